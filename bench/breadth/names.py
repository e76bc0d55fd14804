"""Person-name columns (issue 15), built with Faker's person and address providers in
several locales, not from our dictionaries: columns of first names only, surnames only and
full names, free text where a few rows introduce someone (`my name is`, `je m'appelle`,
`Frau Schmidt`), one-value columns (a lone phone number or name), and hard negatives that
are capitalised words but no names (cities, countries, colours, companies, jobs, words,
user names, status values, product names).

Names are judged per column, so each case is a column: {"family", "label", "column",
"values", "expect"}. `expect` "found": the column's verdict has `label`; "not": it has no
label starting with `label`.

Faker's cities are left out where Faker builds them from its own name lists (en_US
"Adamsbury", fr_FR "Gauthier", pt_BR "Brito", tr_TR): a column of those is a column of
names. The locales kept have lists of real places.

Japanese columns (`ja_cases`, appended after the others so that their values do not move):
names written surname first, with a space, an ideographic space or none (`佐藤 直子`,
`佐藤　直子`, `佐藤直子`), given names in hiragana after a surname (`佐藤 なおこ`), furigana
columns in katakana (`サトウ ナオコ`), lone surnames and lone given names; hard negatives:
cities, prefectures (with and without 県), bare town names (many are surnames: 中野,
上野), addresses, companies (`株式会社藤田情報`), jobs, Faker's words alone and in pairs, and
wordfreq's most frequent Japanese words (`top_n_list('ja', 1500)`, ten columns of 150).
"""

import zlib

from faker import Faker
from wordfreq import top_n_list

LOCALES = ["en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "pt_BR", "pt_PT", "nl_NL", "pl_PL", "sv_SE", "tr_TR"]
REAL_CITIES = ["de_DE", "es_ES", "it_IT", "nl_NL", "pl_PL", "sv_SE"]
# Column names that say nothing, and the header a team in that locale would write.
PLAIN = ["c1", "col_7", "field_b", "value", "x", "attr_3", "data", "f12"]
HEADERS = {
    "en": ("first_name", "last_name"), "de": ("Vorname", "Nachname"), "fr": ("prénom", "nom_de_famille"),
    "es": ("nombre", "apellido"), "it": ("nome", "cognome"), "pt": ("primeiro_nome", "sobrenome"),
    "nl": ("voornaam", "achternaam"), "pl": ("imie", "nazwisko"), "sv": ("fornamn", "efternamn"), "tr": ("adi", "soyadi"),
}
# How people introduce themselves, per language: {f} first name, {n} full name.
INTROS = {
    "en": ["Hi, my name is {f} and I have a question about my order.", "My name is {n}, please call me back.",
           "Hello, my name's {f}. The parcel never arrived."],
    "de": ["Hallo, ich heiße {f} und habe eine Frage zur Rechnung.", "Mein Name ist {n}, bitte rufen Sie mich zurück.",
           "Guten Tag, ich heiße {n}."],
    "fr": ["Bonjour, je m'appelle {f} et j'ai une question.", "Je m’appelle {n}, merci de me rappeler.",
           "Bonjour, mon nom est {n}."],
    "es": ["Hola, me llamo {f} y tengo una duda con el pedido.", "Mi nombre es {n}, llámenme por favor.",
           "Buenas, me llamo {n}."],
    "it": ["Ciao, mi chiamo {f} e ho un problema con l'ordine.", "Buongiorno, mi chiamo {n}.",
           "Il mio nome è {n}, richiamatemi per favore."],
    "pt": ["Olá, meu nome é {f} e tenho uma dúvida.", "Eu me chamo {n}, por favor liguem-me.", "Bom dia, me chamo {f}."],
    "nl": ["Hallo, mijn naam is {f} en ik heb een vraag.", "Goedemiddag, mijn naam is {n}.", "Hoi, ik heet {f}."],
}
# Titles before a surname, per language.
TITLES = {
    "en": ["Mr.", "Mrs.", "Ms.", "Dr."], "de": ["Frau", "Herr", "Dr."], "fr": ["M.", "Mme", "Dr"],
    "es": ["Sr.", "Sra.", "Dr."], "it": ["Sig.", "Sig.ra", "Dott."], "pt": ["Sr.", "Sra.", "Dr."], "nl": ["Dhr.", "Mevr.", "Dr."],
}
TITLED = {
    "en": "Please ask {t} {l} to confirm the delivery address.", "de": "Rückruf an {t} {l} wegen der Lieferung.",
    "fr": "Merci de rappeler {t} {l} avant midi.", "es": "Llamar a {t} {l} para confirmar la entrega.",
    "it": "Richiamare {t} {l} per la consegna.", "pt": "Ligar para {t} {l} sobre a entrega.",
    "nl": "Graag {t} {l} terugbellen over de levering.",
}
STATUS = ["Active", "Inactive", "Pending", "Closed", "Cancelled", "Open", "Suspended"]
N = 150


def faker(loc, what):
    f = Faker(loc)
    for prov in f.get_providers():
        # Some locales (it_IT) build their city list from a set: its order follows
        # PYTHONHASHSEED unless sorted.
        if isinstance(getattr(prov, "cities", None), (list, tuple, set)):
            prov.cities = sorted(prov.cities)
    f.seed_instance(zlib.crc32(f"names:{loc}:{what}".encode()))
    return f


def case(family, column, values, expect, label="pii.person_name"):
    return {"family": family, "label": label, "column": column, "values": values, "expect": expect}


def cases(r):
    out = []
    for i, loc in enumerate(LOCALES):
        lang = loc[:2]
        plain = PLAIN[i % len(PLAIN)]
        first_h, last_h = HEADERS[lang]
        f = faker(loc, "first")
        out.append(case("first_only", plain, [f.first_name() for _ in range(N)], "found"))
        out.append(case("first_only_header", first_h, [f.first_name() for _ in range(N)], "found"))
        f = faker(loc, "last")
        out.append(case("last_only", plain, [f.last_name() for _ in range(N)], "found"))
        out.append(case("last_only_header", last_h, [f.last_name() for _ in range(N)], "found"))
        f = faker(loc, "full")
        out.append(case("full_name", plain, [f.name() for _ in range(N)], "found"))
        if lang in INTROS:
            f = faker(loc, "intro")
            text = [f.sentence(nb_words=10) for _ in range(N)]
            for k in range(3, N, 25):
                tpl = r.choice(INTROS[lang])
                text[k] = tpl.format(f=f.first_name(), n=f"{f.first_name()} {f.last_name()}")
            out.append(case("intro_in_text", "notes", text, "found"))
            text = [f.sentence(nb_words=10) for _ in range(N)]
            for k in range(5, N, 25):
                text[k] = TITLED[lang].format(t=r.choice(TITLES[lang]), l=f.last_name())
            out.append(case("titled_in_text", "comment", text, "found"))
            out.append(case("one_value_intro", plain, [r.choice(INTROS[lang]).format(f=f.first_name(), n=f.name())], "found"))
            out.append(case("one_value_titled", plain, [f"{r.choice(TITLES[lang])} {f.last_name()}"], "found"))
        f = faker(loc, "one")
        out.append(case("one_value_full_name", plain, [f"{f.first_name()} {f.last_name()}"], "found"))
        out.append(case("one_value_repeated_name", plain, [f"{f.first_name()} {f.last_name()}"] * 40, "found"))
        out.append(case("one_value_phone", plain, [f.phone_number()], "found", label="pii.phone_number"))
        # Hard negatives, in columns that say nothing.
        f = faker(loc, "negatives")
        if loc in REAL_CITIES:
            out.append(case("not_city", plain, [f.city() for _ in range(N)], "not"))
        out.append(case("not_country", plain, [f.country() for _ in range(N)], "not"))
        out.append(case("not_color", plain, [f.color_name() for _ in range(N)], "not"))
        out.append(case("not_company", plain, [f.company() for _ in range(N)], "not"))
        out.append(case("not_job", plain, [f.job() for _ in range(N)], "not"))
        out.append(case("not_word", plain, [f.word().capitalize() for _ in range(N)], "not"))
        out.append(case("not_user_name", plain, [f.user_name() for _ in range(N)], "not"))
        out.append(case("not_product", plain, [f"{f.color_name()} {f.word().capitalize()}" for _ in range(N)], "not"))
        out.append(case("not_status", plain, [r.choice(STATUS) for _ in range(N)], "not"))
        out.append(case("not_one_value_word", plain, [f.word().capitalize()], "not"))
        out.append(case("not_one_value_country", plain, [f.country()], "not"))
    return out + ja_cases()


def hiragana(katakana):
    """The hiragana spelling of a katakana word (ナオコ -> なおこ)."""
    return "".join(chr(ord(c) - 0x60) if "\u30a1" <= c <= "\u30f6" else c for c in katakana)


def ja_cases():
    out = []
    f = faker("ja_JP", "ja:last")
    out.append(case("ja_last_only", "c1", [f.last_name() for _ in range(N)], "found"))
    out.append(case("ja_last_only_header", "姓", [f.last_name() for _ in range(N)], "found"))
    f = faker("ja_JP", "ja:first")
    out.append(case("ja_first_only", "c1", [f.first_name() for _ in range(N)], "found"))
    out.append(case("ja_first_only_header", "名", [f.first_name() for _ in range(N)], "found"))
    f = faker("ja_JP", "ja:full")
    out.append(case("ja_full_name", "c1", [f.name() for _ in range(N)], "found"))
    out.append(case("ja_full_name_header", "氏名", [f.name() for _ in range(N)], "found"))
    out.append(case("ja_full_name_joined", "c1", [f.last_name() + f.first_name() for _ in range(N)], "found"))
    out.append(case("ja_full_name_wide_space", "c1", [f"{f.last_name()}\u3000{f.first_name()}" for _ in range(N)], "found"))
    out.append(case("ja_hiragana_given", "c1", [f"{f.last_name()} {hiragana(f.first_kana_name())}" for _ in range(N)], "found"))
    f = faker("ja_JP", "ja:kana")
    out.append(case("ja_kana_name", "c1", [f.kana_name() for _ in range(N)], "found"))
    out.append(case("ja_kana_name_header", "フリガナ", [f.kana_name() for _ in range(N)], "found"))
    out.append(case("ja_kana_last_only", "c1", [f.last_kana_name() for _ in range(N)], "found"))
    f = faker("ja_JP", "ja:negatives")
    out.append(case("not_ja_city", "c1", [f.city() for _ in range(N)], "not"))
    out.append(case("not_ja_prefecture", "c1", [f.prefecture() for _ in range(N)], "not"))
    out.append(case("not_ja_prefecture_bare", "c1", [f.prefecture()[:-1] for _ in range(N)], "not"))
    out.append(case("not_ja_town", "c1", [f.town() for _ in range(N)], "not"))
    out.append(case("not_ja_address", "c1", [f.address() for _ in range(N)], "not"))
    out.append(case("not_ja_company", "c1", [f.company() for _ in range(N)], "not"))
    out.append(case("not_ja_job", "c1", [f.job() for _ in range(N)], "not"))
    out.append(case("not_ja_word", "c1", [f.word() for _ in range(N)], "not"))
    out.append(case("not_ja_product", "c1", [f"{f.word()} {f.word()}" for _ in range(N)], "not"))
    words = top_n_list("ja", 10 * N)
    for k in range(10):
        out.append(case("not_ja_wordfreq", "c1", words[k * N:(k + 1) * N], "not"))
    return out


# Cyrillic and Greek columns (`slavic_greek_cases`, appended by generate.py after every other
# column case so that the lines before them do not move): Faker ru_RU, uk_UA, el_GR and
# bg_BG given names, surnames and full names (with patronymics: `Натан Глебович Белов`,
# `Данилова Феврония Борисовна`), with and without the header a team there would write,
# columns of patronymics, and registry-style names with the surname in capitals; hard
# negatives in those languages: cities, streets, companies, jobs, countries, words alone
# and in pairs, and wordfreq's most frequent words capitalised. Faker bg_BG has no
# Bulgarian places, companies or words (its cities are `West Богtown`, its companies lone
# surnames), so bg has positives only.
SLAVIC_GREEK = {"ru_RU": ("имя", "фамилия"), "uk_UA": ("ім'я", "прізвище"), "el_GR": ("όνομα", "επώνυμο"), "bg_BG": ("име", "фамилия")}


def slavic_greek_cases():
    out = []
    for loc, (first_h, last_h) in SLAVIC_GREEK.items():
        lang = loc[:2]
        f = faker(loc, "cyr:first")
        out.append(case(f"{lang}_first_only", "c1", [f.first_name() for _ in range(N)], "found"))
        out.append(case(f"{lang}_first_only_header", first_h, [f.first_name() for _ in range(N)], "found"))
        f = faker(loc, "cyr:last")
        out.append(case(f"{lang}_last_only", "c1", [f.last_name() for _ in range(N)], "found"))
        out.append(case(f"{lang}_last_only_header", last_h, [f.last_name() for _ in range(N)], "found"))
        f = faker(loc, "cyr:full")
        out.append(case(f"{lang}_full_name", "c1", [f.name() for _ in range(N)], "found"))
        out.append(case(f"{lang}_first_last", "c1", [f"{f.first_name()} {f.last_name()}" for _ in range(N)], "found"))
        if lang in ("ru", "uk"):
            out.append(case(f"{lang}_patronymic_only", "c1", [f.middle_name() for _ in range(N)], "found"))
            out.append(case(f"{lang}_registry_name", "c1", [f"{f.last_name().upper()} {f.first_name()} {f.middle_name()}" for _ in range(N)], "found"))
        if lang == "bg":
            continue
        f = faker(loc, "cyr:negatives")
        out.append(case(f"not_{lang}_city", "c1", [f.city() for _ in range(N)], "not"))
        out.append(case(f"not_{lang}_street", "c1", [f.street_name() for _ in range(N)], "not"))
        out.append(case(f"not_{lang}_street_title", "c1", [f.street_title() if hasattr(f, "street_title") else f.street_name() for _ in range(N)], "not"))
        out.append(case(f"not_{lang}_company", "c1", [f.company() for _ in range(N)], "not"))
        out.append(case(f"not_{lang}_job", "c1", [f.job() for _ in range(N)], "not"))
        out.append(case(f"not_{lang}_country", "c1", [f.country() for _ in range(N)], "not"))
        out.append(case(f"not_{lang}_word", "c1", [f.word().capitalize() for _ in range(N)], "not"))
        out.append(case(f"not_{lang}_word_pair", "c1", [f"{f.word().capitalize()} {f.word().capitalize()}" for _ in range(N)], "not"))
        words = [w.capitalize() for w in top_n_list(lang, 5 * N) if w.isalpha()]
        for k in range(0, len(words) - N + 1, N):
            out.append(case(f"not_{lang}_wordfreq", "c1", words[k:k + N], "not"))
    return out
