# Summarises ncu's source page (`ncu --import R --page source --csv --print-source sass`):
# every instruction with at least 0.4% of the warp stall samples, and every barrier, with its
# share of the samples, its share of the executed warp instructions (per mille) and its two
# largest stall reasons. Usage: python3 sass_top_stalls.py SOURCE.csv top
import csv,sys
rows=list(csv.reader(open(sys.argv[1])))
hdr=rows[1]; data=rows[2:]
ix={h:i for i,h in enumerate(hdr)}
tot_s=sum(int(r[ix['Warp Stall Sampling (All Samples)']] or 0) for r in data)
tot_i=sum(int(r[ix['Instructions Executed']] or 0) for r in data)
print('instructions',len(data),'samples',tot_s,'warp inst',tot_i)
stalls=[h for h in hdr if h.startswith('stall_') and 'Not Issued' not in h]
# print each instruction with samples and executed; mark barriers
out=[]
for k,r in enumerate(data):
    s=int(r[ix['Warp Stall Sampling (All Samples)']] or 0); e=int(r[ix['Instructions Executed']] or 0)
    top=sorted(((int(r[ix[h]] or 0),h[6:]) for h in stalls),reverse=True)[:2]
    out.append((k,r[ix['Source']].strip(),s,e,top))
mode=sys.argv[2] if len(sys.argv)>2 else 'all'
for k,src,s,e,top in out:
    if mode=='all' or s>tot_s*0.004 or 'BAR' in src:
        print(f"{k:5d} {s*100/tot_s:5.1f}% {e/ (tot_i) *1000:6.2f}‰ {src[:60]:60s} {top}")
