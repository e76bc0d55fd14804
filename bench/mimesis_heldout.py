#!/usr/bin/env python3
"""Column-level recall and false positives on mimesis (issue 15), a generator our rules
were not written from, in every locale it has (48):

    python3 bench/mimesis_heldout.py target/debug/assay

For each locale, one CSV (/tmp/mho/LOCALE.csv) of 200 rows and 13 columns named c0..c12
(names that say nothing): full names, first names, last names, e-mail addresses, phone
numbers and addresses (each expected to carry its label), and cities, companies,
occupations, words, titles, countries and street names (expected to carry none).
`assay scan --format json` judges each file; the script prints, per kind, how many
locales' columns were judged right, then every miss with its first values and labels.
"""

import collections
import csv
import json
import os
import subprocess
import sys

from mimesis import Address, Finance, Locale, Person, Text

binp = sys.argv[1]
os.makedirs("/tmp/mho", exist_ok=True)
N=200
kinds={
 'full_name':('pii.person_name', lambda p,a,f,t: p.full_name()),
 'first_name':('pii.person_name', lambda p,a,f,t: p.first_name()),
 'last_name':('pii.person_name', lambda p,a,f,t: p.last_name()),
 'email':('pii.email', lambda p,a,f,t: p.email()),
 'phone':('pii.phone_number', lambda p,a,f,t: p.phone_number()),
 'address':('pii.street_address', lambda p,a,f,t: a.address()),
 'city':(None, lambda p,a,f,t: a.city()),
 'company':(None, lambda p,a,f,t: f.company()),
 'occupation':(None, lambda p,a,f,t: p.occupation()),
 'word':(None, lambda p,a,f,t: t.word()),
 'title':(None, lambda p,a,f,t: t.title()[:60]),
 'country':(None, lambda p,a,f,t: a.country()),
 'street':(None, lambda p,a,f,t: a.street_name()),
}
res=collections.defaultdict(lambda:[0,0])
miss=[]
for loc in Locale:
    p,a,f,t=Person(loc,seed=3),Address(loc,seed=3),Finance(loc,seed=3),Text(loc,seed=3)
    cols={k:[g(p,a,f,t) for _ in range(N)] for k,(lab,g) in kinds.items()}
    path=f'/tmp/mho/{loc.value}.csv'
    names=[f'c{i}' for i in range(len(kinds))]
    with open(path,'w',newline='') as fh:
        w=csv.writer(fh); w.writerow(names)
        for i in range(N): w.writerow([cols[k][i] for k in kinds])
    r=json.loads(subprocess.run([binp,'scan',path,'--format','json'],capture_output=True,text=True).stdout)
    got={c['column']:[l.get('label') for l in c['labels']] for c in r['columns']}
    for i,(k,(lab,_)) in enumerate(kinds.items()):
        labs=got.get(f'c{i}',[])
        if lab:
            ok = lab in labs
            res[k][0]+=1; res[k][1]+=ok
            if not ok: miss.append((loc.value,k,cols[k][:3],labs))
        else:
            ok = not labs
            res[k][0]+=1; res[k][1]+=ok
            if not ok: miss.append((loc.value,k,cols[k][:3],labs))
for k,(n,ok) in res.items(): print(f'{k:12} {ok}/{n}')
for m in miss: print(m)
