import json, math, itertools, sys
from datetime import datetime
V = set(sys.argv[2:])  # variants
d=json.load(open(sys.argv[1]))
T=d['travel']; O=d['objective']
locs={l['id']:(l['lat'],l['lon']) for l in d['locations']}
def tmin(a,b):
    if a==b: return 0
    if a=='REMOTE' or b=='REMOTE': return 0
    (la1,lo1),(la2,lo2)=locs[a],locs[b]
    p1,p2=math.radians(la1),math.radians(la2); dl=math.radians(lo2-lo1); dp=p2-p1
    h=math.sin(dp/2)**2+math.cos(p1)*math.cos(p2)*math.sin(dl/2)**2
    km=2*6371.0088*math.asin(min(1,math.sqrt(h)))
    return math.ceil(max(T['min_minutes'], km*T['detour_factor']/T['speed_kmh']*60))
ts=lambda s: int(datetime.fromisoformat(s).timestamp())
def speaks(langs,w):
    w=w.lower()
    for t in langs:
        t=t.lower()
        if t==w: return True
        if '-' not in w and t.split('-')[0]==w: return True
        if 'rev' in V and '-' not in t and w.split('-')[0]==t: return True
    return False
meds={m['id']:m for m in d['mediators']}
shifts=[]
for m in d['mediators']:
    sh=sorted((ts(s['start']),ts(s['end'])) for s in m['shifts'])
    for k,(a,b) in enumerate(sh):
        shifts.append((m['id'],a,b,sh[k+1][0] if k+1<len(sh) else None))
reqs={r['id']:r for r in d['requests']}
W=O['urgency_weight']
def value(r,m):
    return W[r['urgency']]+(O['preferred_mediator_bonus'] if m in r['preferred_mediators'] else 0)
def qualified(m,r):
    M=meds[m]
    tags=[t.lower() for t in M['tags']] if 'ci' in V else M['tags']
    return speaks(M['languages'],r['language']) and m not in r['excluded_mediators'] and all((t.lower() if 'ci' in V else t) in tags for t in r['required_tags']) and r['modality'] in M['modalities']
def sched(si,order):
    m,a,b,nxt=shifts[si]; home=meds[m]['home']
    t=a; place=home; travel=0; inp=False; starts=[]
    for rid in order:
        r=reqs[rid]; lo=ts(r['earliest_start']); hi=ts(r['latest_start'])
        if r['pinned']: lo=hi=ts(r['pinned']['start'])
        leg=0
        if r['modality']=='in_person':
            leg=tmin(place,r['location'])
            if 'nostarttravel' in V and not inp: leg_t=0
            else: leg_t=leg
        else: leg_t=0
        st=max(t+leg_t*60,lo)
        if st>hi or st+r['duration_minutes']*60>b: return None
        if r['modality']=='in_person':
            place=r['location']; travel+=leg; inp=True
        elif 'tele' in V and inp: place='REMOTE'
        t=st+r['duration_minutes']*60; starts.append(st)
    if inp:
        hm=tmin(place,home)
        if nxt is not None and t+hm*60>nxt and 'nohomerule' not in V: return None
        if 'nohomecost' not in V: travel+=hm
    return travel,starts
# candidates
cand={}
for rid,r in reqs.items():
    cs=[]
    for si,(m,a,b,nxt) in enumerate(shifts):
        if r['pinned'] and (r['pinned']['mediator']!=m or not (a<=ts(r['pinned']['start'])<=b)): continue
        if qualified(m,r) and sched(si,[rid]) is not None and (meds[m].get('max_work_minutes') is None or r['duration_minutes']<=meds[m]['max_work_minutes']):
            cs.append(si)
    if cs: cand[rid]=cs
print('coverable', sum(W[reqs[r]['urgency']] for r in cand), len(cand))
# per shift: best route per subset
routes={}
for si in range(len(shifts)):
    cs=[r for r in cand if si in cand[r]]
    best={}
    for k in range(1,len(cs)+1):
        any_=False
        for sub in itertools.combinations(cs,k):
            bt=None
            for perm in itertools.permutations(sub):
                s=sched(si,perm)
                if s and (bt is None or s[0]<bt[0]): bt=(s[0],perm,s[1])
            if bt: best[frozenset(sub)]=bt; any_=True
        if not any_: break
    routes[si]=best
# combine: DP over shifts with used set + workload (brute force product)
pins={r for r in cand if reqs[r]['pinned']}
bestval=None; bestsol=None
sys.setrecursionlimit(10000)
order=list(range(len(shifts)))
def rec(i,used,work,val,sol):
    global bestval,bestsol
    if i==len(order):
        if not pins<=used: return
        if bestval is None or val>bestval: bestval=val; bestsol=list(sol)
        return
    si=order[i]; m=shifts[si][0]; mw=meds[m].get('max_work_minutes')
    rec(i+1,used,work,val,sol)
    for sub,(tr,perm,starts) in routes[si].items():
        if used & sub: continue
        w=sum(reqs[r]['duration_minutes'] for r in sub)
        if mw is not None and work.get(m,0)+w>mw: continue
        v=sum(value(reqs[r],m) for r in sub)-O['travel_minute_cost']*tr
        if v<=0 and not (sub&pins): continue
        work2=dict(work); work2[m]=work.get(m,0)+w
        sol.append((si,perm,starts,tr)); rec(i+1,used|sub,work2,val+v,sol); sol.pop()
rec(0,frozenset(),{},0,[])
print('optimum',bestval)
for si,perm,starts,tr in bestsol: print(shifts[si][0], datetime.fromtimestamp(shifts[si][1]).strftime('%H:%M'), perm, [datetime.fromtimestamp(s).strftime('%H:%M') for s in starts], tr)
