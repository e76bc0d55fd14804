#!/usr/bin/env python3
"""Chinese, Korean, Arabic and Persian addresses on data our rules were not written from
(issue 15): Faker's address columns of zh_TW, ko_KR, ar_AA, ar_SA, ar_EG and fa_IR with
their dates, words, sentences, cities, companies and jobs as negatives, then wordfreq's
5,000 most frequent ar / fa / ko / zh words in columns with numbers among them (none
should be an address column):

    python3 bench/addresses_heldout.py target/debug/assay

Faker's zh_CN addresses (`谢街f座`) carry no house number and its fa_IR ones put the
street type after the name, as no Persian address does; both are printed as BAD and left.
"""
import csv, json, os, subprocess, sys, random
from faker import Faker
from wordfreq import top_n_list
binp=sys.argv[1]
os.makedirs('/tmp/cjk', exist_ok=True)
random.seed(5)
for loc in ["zh_CN", "zh_TW", "ko_KR", "ar_AA", "ar_SA", "ar_EG", "fa_IR"]:
    f=Faker(loc); f.seed_instance(7)
    kinds={
      'address': ('pii.street_address', lambda: f.address().replace('\n',' ')),
      'street_address': ('pii.street_address', lambda: f.street_address()),
      'sentence': (None, lambda: f.sentence()),
      'text': (None, lambda: f.text(200).replace('\n',' ')),
      'date_day': (None, lambda: f"{random.randint(1,12)}月{random.randint(1,31)}号" if loc.startswith('zh') else f"{random.randint(1,12)}월 {random.randint(1,31)}일"),
      'city': (None, lambda: f.city()),
      'company': (None, lambda: f.company()),
      'job': (None, lambda: f.job()),
      'street_name': (None, lambda: f.street_name()),
      'word_num': (None, lambda: f"{f.word()} {random.randint(1,999)}"),
      'word_num_glued': (None, lambda: f"{f.word()}{random.randint(1,99)}号"),
    }
    path=f'/tmp/cjk/{loc}.csv'
    cols={k:[g() for _ in range(200)] for k,(l,g) in kinds.items()}
    with open(path,'w',newline='') as fh:
        w=csv.writer(fh); w.writerow([f'c{i}' for i in range(len(kinds))])
        for i in range(200): w.writerow([cols[k][i] for k in kinds])
    r=json.loads(subprocess.run([binp,'scan',path,'--format','json'],capture_output=True,text=True).stdout)
    got={c['column']:[(l.get('label'),l.get('match_rate')) for l in c['labels']] for c in r['columns']}
    for i,(k,(lab,_)) in enumerate(kinds.items()):
        labs=got.get(f'c{i}',[])
        st=[x for x in labs if x[0]=='pii.street_address']
        ok=(bool(st)==bool(lab))
        print(f"{loc:6} {k:15} {'ok ' if ok else 'BAD'} {labs} {cols[k][:2]}")
random.seed(1)
for lang in ['ar','fa','ko','zh']:
    words=top_n_list(lang,5000)
    cols=[]
    for c in range(10):
        vals=[]
        for _ in range(100):
            ws=random.sample(words,6)
            ws.insert(random.randint(0,6),str(random.randint(1,999)))
            vals.append(('' if lang=='zh' else ' ').join(ws) if lang!='zh' else ''.join(ws)+'号' if random.random()<0.3 else ''.join(ws))
        cols.append(vals)
    # also short: word + number, number + word + word
    for c in range(5):
        cols.append([f"{random.randint(1,999)} {random.choice(words)} {random.choice(words)}" for _ in range(100)])
        cols.append([f"{random.choice(words)} {random.choice(words)} {random.randint(1,999)}" for _ in range(100)])
    path=f'/tmp/cjk/neg_{lang}.csv'
    with open(path,'w',newline='') as fh:
        w=csv.writer(fh); w.writerow([f'c{i}' for i in range(len(cols))])
        for i in range(100): w.writerow([col[i] for col in cols])
    r=json.loads(subprocess.run([sys.argv[1],'scan',path,'--format','json'],capture_output=True,text=True).stdout)
    bad=[(c['column'],[(l['label'],l['match_rate']) for l in c['labels']]) for c in r['columns'] if any(l['label']=='pii.street_address' for l in c['labels'])]
    print(lang, len(cols), 'columns; labelled street_address:', bad)
