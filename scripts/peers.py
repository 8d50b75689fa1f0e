#!/usr/bin/env python3
"""Peers side by side on the GPU machine: cuDNN GRU (torch.nn.GRU, no grad) and torchdiffeq
fixed-step RK4 on deer-bench's shapes, in one process. Each peer is first checked to compute
the same map as deer (PyTorch GRU conventions, which deer's golden test reproduces to 1e-12;
torchdiffeq's rk4 = the 3/8 rule, deer's Rk38), then timed: mean of 5 calls after a warm-up.

    python3 scripts/peers.py [--json OUT.json] [--quick]
"""
import argparse
import json
import time

import numpy as np
import torch


def timed(fn, reps=5):
    fn()
    torch.cuda.synchronize()
    t = time.perf_counter()
    for _ in range(reps):
        fn()
    torch.cuda.synchronize()
    return (time.perf_counter() - t) * 1e3 / reps


def gru_peer(n, T, batch=16, m=None):
    m = m if m is not None else n
    torch.manual_seed(0)
    gru64 = torch.nn.GRU(m, n, batch_first=True).double()
    x64 = torch.rand(batch, min(T, 2000), m, dtype=torch.float64) * 2 - 1
    ref, _ = gru64(x64)  # CPU float64 reference, PyTorch's own sequential loop
    gru = torch.nn.GRU(m, n, batch_first=True).cuda().float()
    gru.load_state_dict({k: v.float() for k, v in gru64.state_dict().items()})
    with torch.no_grad():
        out, _ = gru(x64.float().cuda())
    check = float((out.double().cpu() - ref).abs().max())
    x = (torch.rand(batch, T, m, device="cuda") * 2 - 1)
    rec = {"peer": "cudnn_gru", "n": n, "T": T, "batch": batch, "check_max_abs_vs_f64": check}
    try:
        with torch.no_grad():
            rec["time_ms"] = timed(lambda: gru(x))
    except RuntimeError as e:  # cuDNN refuses some long sequences
        rec["time_ms"] = None
        rec["error"] = str(e).splitlines()[0]
    return rec


def rk38_numpy(f, y0, t):
    ys = [y0]
    y = y0
    for i in range(len(t) - 1):
        h = t[i + 1] - t[i]
        k1 = f(t[i], y)
        k2 = f(t[i] + h / 3, y + h * k1 / 3)
        k3 = f(t[i] + 2 * h / 3, y + h * (k2 - k1 / 3))
        k4 = f(t[i] + h, y + h * (k1 - k2 + k3))
        y = y + h * (k1 + 3 * k2 + 3 * k3 + k4) / 8
        ys.append(y)
    return np.stack(ys)


def node_peer(steps, batch=16, n=8, hidden=32, decay=0.0):
    from torchdiffeq import odeint
    torch.manual_seed(1)

    class Mlp(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.l1 = torch.nn.Linear(n, hidden)
            self.l2 = torch.nn.Linear(hidden, n)

        def forward(self, t, y):
            return self.l2(torch.tanh(self.l1(y))) - decay * y

    f = Mlp().double()
    y0 = torch.rand(batch, n, dtype=torch.float64)
    t = torch.linspace(0, 1, 101, dtype=torch.float64)
    with torch.no_grad():
        sol = odeint(f, y0, t, method="rk4").numpy()
        W1, b1 = f.l1.weight.numpy(), f.l1.bias.numpy()
        W2, b2 = f.l2.weight.numpy(), f.l2.bias.numpy()
    ref = rk38_numpy(lambda _t, y: np.tanh(y @ W1.T + b1) @ W2.T + b2 - decay * y, y0.numpy(), t.numpy())
    check = float(np.abs(sol - ref).max())
    fc = Mlp().cuda().float()
    fc.load_state_dict({k: v.float() for k, v in f.state_dict().items()})
    yc = y0.float().cuda()
    tc = torch.linspace(0, 0.001 * steps, steps + 1, device="cuda")
    with torch.no_grad():
        ms = timed(lambda: odeint(fc, yc, tc, method="rk4"), reps=1)
    return {"peer": "torchdiffeq_rk4", "n": n, "hidden": hidden, "decay": decay, "T": steps, "batch": batch,
            "check_max_abs_vs_numpy_rk38": check, "time_ms": ms, "ms_per_step": ms / steps}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--json")
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    recs = []
    shapes = [(1, 10000), (8, 10000)] if a.quick else [(1, 10000), (1, 100000), (8, 10000), (8, 100000), (64, 100000)]
    for n, T in shapes:
        r = gru_peer(n, T)
        print(json.dumps(r), flush=True)
        recs.append(r)
    for decay in (0.0, 1.0):  # deer-bench's node8 and node8_decay
        r = node_peer(1000 if a.quick else 10000, decay=decay)
        print(json.dumps(r), flush=True)
        recs.append(r)
    if a.json:
        with open(a.json, "w") as fh:
            json.dump({"device": torch.cuda.get_device_name(), "torch": torch.__version__, "records": recs}, fh, indent=1)


if __name__ == "__main__":
    main()
