# Per source line of the ncu source page (`ncu --import R --page source --csv --print-source cuda,sass`, a
# -lineinfo build): share of thread instructions executed and of warp stall samples, by file and
# by line (lines over 0.3% / 0.5%). Usage: python3 source_lines.py SOURCE.csv
import csv,collections,os,sys
rows=list(csv.reader(open(sys.argv[1])))
sections=[];cur=None
for r in rows:
    if r and r[0]=='File Path': cur={'file':r[1],'rows':[]};sections.append(cur);continue
    if r and r[0] in('Function Name',): continue
    if r and r[0]=='Line No': hdr=r;continue
    if cur is not None: cur['rows'].append(r)
ti=hdr.index('Thread Instructions Executed'); ws=hdr.index('Warp Stall Sampling (All Samples)')
byf=collections.Counter(); bys=collections.Counter(); lines={}
for s in sections:
    f=s['file']
    for r in s['rows']:
        try: t=int(r[ti] or 0); w=int(r[ws] or 0); l=int(r[0])
        except: continue
        byf[f]+=t; bys[f]+=w; lines[(f,l)]=(t,w)
tot=sum(byf.values()); tots=sum(bys.values())
for f,t in byf.most_common(): print(f"{t/tot*100:5.1f}% {bys[f]/tots*100:5.1f}% {f}")
src={}
for f in byf:
    p=f
    if 'include/deer' in f: p='/work/exp/src/include/deer/'+f.split('include/deer/')[1]
    if os.path.exists(p): src[f]=open(p).read().split('\n')
print()
for (f,l),(t,w) in sorted(lines.items()):
    if t/tot>0.003 or w/tots>0.005:
        s=src[f][l-1].strip()[:100] if f in src else ''
        print(f"{t/tot*100:5.1f}% {w/tots*100:5.1f}% {f.split('/')[-1]}:{l} {s}")
