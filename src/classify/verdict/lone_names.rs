//! The column-level test for columns of lone first names or surnames (`Hans`, `Dupont`,
//! `Kovačić`, `王`): the per-value matcher cannot tell one capitalised word from a name,
//! the column can — by how many of its distinct values the dictionaries know, how varied
//! they are, and what the column's name says.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use crate::classify::dictionary::LoneName;
use crate::classify::engine::name_tokens;
use super::Evidence;

/// Fewest distinct name-shaped values before a column whose name says nothing can be
/// judged a column of lone first names or surnames: a status or tier column has a handful.
const LONE_MIN_DISTINCT: usize = 5;
/// And at least one distinct value per this many values, up to `LONE_MANY_DISTINCT`:
/// people's names keep coming (a sample of 1,000 first names holds hundreds), values drawn
/// from a palette do not (`Green`, `White`, `Gold` are surnames too, and colours).
const LONE_ROWS_PER_DISTINCT: usize = 10;
const LONE_MANY_DISTINCT: usize = 20;
/// Share of a column's values that must be name-shaped (one to three capitalised words).
const LONE_SHAPED: f64 = 0.8;
/// Share of the distinct name-shaped values that must be known first names, or known
/// surnames. Hard negatives (cities, countries, colours, capitalised words, companies) stay
/// under 0.1 in first names and under 0.4 in surnames (BENCHMARKS.md, issue 15 names);
/// real name columns reach 0.4–1.0 in the locales the dictionaries cover.
const LONE_FIRST_SHARE: f64 = 0.4;
const LONE_SURNAME_SHARE: f64 = 0.5;
/// Chinese and Korean names (`LoneName::cjk`): the hundred most frequent Chinese surnames
/// begin 86 % of people's names, Korea's forty 90 %, and their characters are also words
/// (王, 高, 方; 이, 정, 한), so a larger share is asked. Faker zh_CN / zh_TW name columns reach 0.95 / 0.99, their words, cities and
/// streets at most 0.09 (streets made of a surname and 路 were 0.49 before values ending
/// with a place character counted as none; BENCHMARKS.md). Random Chinese words: about
/// half begin with a surname character (高兴, 周末, 方法). Japanese names (`佐藤 直子`,
/// `佐藤直子`, `サトウ ナオコ`, lone surnames) are asked the same share; a column of lone
/// Japanese given names (`first`: kanji that end as given names do) too, and only when
/// it is mostly such values. Faker ja_JP name columns reach 0.96–1.0; its cities,
/// prefectures, towns, jobs and words, and chunks of wordfreq's 5,000 most frequent
/// Japanese words, at most 0.22 (bare prefecture names: 千葉, 長野 are surnames).
const LONE_CJK_SHARE: f64 = 0.7;
/// Share of the distinct values that must be Chinese, Korean or Japanese names for
/// `LONE_CJK_SHARE` to apply.
const LONE_CJK_MOSTLY: f64 = 0.8;
/// Arabic-script names (`LoneName::arabic`): no capital letters mark a name, and many
/// names are words too (جميل, سعيد, نور, left out of the lists), so when most values are
/// Arabic script the share counts values known as either a given or a family name, set
/// between what name columns and what other columns reach: Faker ar_AA /
/// ar_SA / fa_IR name columns reach 0.21–0.58 (its ar_AA surnames, mostly rare, 0.11);
/// chunks of 100 of wordfreq's 5,000 most frequent 'ar' and 'fa' words at most 0.07,
/// Faker cities, jobs, words and countries at most 0.08.
const LONE_ARABIC_SHARE: f64 = 0.2;
/// Share of the distinct values that must be Arabic script for `LONE_ARABIC_SHARE`.
const LONE_ARABIC_MOSTLY: f64 = 0.8;
/// With a name-like column header (`first_name`, `Nachname`, `prénom`) the header is the
/// evidence: any number of values, half name-shaped, and a smaller known share.
const LONE_KEYWORD_SHAPED: f64 = 0.5;
const LONE_KEYWORD_SHARE: f64 = 0.15;
/// Words of column names that say the column holds one part of a person's name: a given
/// name (`first_name`, `Vorname`, `prénom`, `imię`, `名`, `メイ`) or a family name
/// (`last_name`, `cognome`, `nazwisko`, `soyadı`, `姓`, `苗字`, `セイ`, `фамилия`, `прізвище`,
/// `επώνυμο`; the patronymic, `отчество`). With one of them (and the name rule's keyword), values
/// shaped like names are names whether the lists know them or not: a `nazwisko` column of
/// rare Polish surnames is a column of surnames. Generic headers (`name`, `nome`, `holder`,
/// `author`) still need known names: `nome` also heads product names.
const NAME_PART_HEADERS: &[&str] = &[
    "forename", "firstname", "givenname", "vorname", "voornaam", "prenom", "prénom", "imie", "imię", "fornamn", "förnamn", "surname", "lastname", "familyname",
    "nachname", "familienname", "cognome", "apellido", "apellidos", "achternaam", "sobrenome", "nazwisko", "efternamn", "soyad", "soyadı", "soyadi", "姓", "名",
    "苗字", "名字", "セイ", "メイ", "фамилия", "отчество", "прізвище", "επώνυμο", "επίθετο",
];
/// Words that name a part of a name only before `name` (`first_name`, not `first_seen`).
const NAME_PART_BEFORE_NAME: &[&str] = &["first", "given", "last", "family", "middle", "maiden"];
/// Least share of a name-part column's values that must be name-shaped.
const LONE_PART_SHAPED: f64 = 0.8;

/// Distinct values remembered for the test (the share is taken over these).
const LONE_MAX_DISTINCT: usize = 1024;

/// The column-level test for columns of lone first names or surnames (`Hans`, `Dupont`),
/// which the per-value matcher cannot tell from any capitalised word: it needs the column.
#[derive(Default)]
pub(super) struct LoneNames {
    /// Value indices of the name-shaped values.
    pub(super) rows: Vec<u32>,
    /// Distinct name-shaped values (by hash of the lower-cased value) and what they are.
    distinct: HashMap<u64, LoneName>,
    pub(super) evidence: Evidence,
    /// The column's name holds a word of `NAME_PART_HEADERS` (or `first name`, `last name`...).
    part_header: bool,
}

impl LoneNames {
    pub(super) fn for_column(column: &str) -> LoneNames {
        let toks = name_tokens(column);
        let part_header = toks.iter().enumerate().any(|(i, t)| {
            NAME_PART_HEADERS.contains(&t.as_str()) || (NAME_PART_BEFORE_NAME.contains(&t.as_str()) && toks.get(i + 1).is_some_and(|n| n == "name"))
        });
        LoneNames { part_header, ..LoneNames::default() }
    }

    pub(super) fn add(&mut self, idx: u32, value: &str, n: LoneName) {
        self.rows.push(idx);
        if self.distinct.len() < LONE_MAX_DISTINCT {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            value.trim().to_lowercase().hash(&mut h);
            self.distinct.insert(h.finish(), n);
        }
        if (n.first || n.surname) && self.evidence.wants_more() {
            self.evidence.offer(value.trim());
        }
    }

    /// Whether the column holds lone names: see the `LONE_*` constants.
    pub(super) fn holds_names(&self, non_null: usize, keyword: bool) -> bool {
        let d = self.distinct.len();
        let varied = LONE_MIN_DISTINCT.max((self.rows.len() / LONE_ROWS_PER_DISTINCT).min(LONE_MANY_DISTINCT));
        let (min_d, shaped, share_first, share_surname) =
            if keyword { (1, LONE_KEYWORD_SHAPED, LONE_KEYWORD_SHARE, LONE_KEYWORD_SHARE) } else { (varied, LONE_SHAPED, LONE_FIRST_SHARE, LONE_SURNAME_SHARE) };
        if d < min_d || (self.rows.len() as f64) < shaped * non_null as f64 {
            return false;
        }
        // A header that names a part of a person's name is the evidence, for values that
        // keep coming as names do (`last_name_verified` holding Yes and No does not).
        if keyword && self.part_header && d >= varied && self.rows.len() as f64 >= LONE_PART_SHAPED * non_null as f64 {
            return true;
        }
        let cjk = self.distinct.values().filter(|n| n.cjk).count() as f64;
        let cjk_mostly = cjk >= LONE_CJK_MOSTLY * d as f64;
        // Kanji that end as Japanese given names do (直子, 翔太) count only in a column of
        // such values: Chinese words end so too (电子, 先生).
        let first = self.distinct.values().filter(|n| n.first && (!n.cjk || cjk_mostly)).count() as f64;
        // A whole Cyrillic or Greek name (`Иван Петрович`, `Роман Касимов`) counts as a
        // known surname does, and so does a word that ends as surnames do (`Kovačić`,
        // `Snorradóttir`): the endings (`surname_endings.txt`) are those that words,
        // places and streets rarely have.
        let surname = self.distinct.values().filter(|n| n.surname || n.full || n.shaped).count() as f64;
        let (share_first, share_surname) = if !keyword && cjk_mostly { (LONE_CJK_SHARE, LONE_CJK_SHARE) } else { (share_first, share_surname) };
        if !keyword && self.arabic_mostly(d) {
            return self.arabic_known(d);
        }
        first >= share_first * d as f64 || surname >= share_surname * d as f64
    }

    /// Whether most distinct values are Arabic script (`LONE_ARABIC_MOSTLY`).
    fn arabic_mostly(&self, d: usize) -> bool {
        self.distinct.values().filter(|n| n.arabic).count() as f64 >= LONE_ARABIC_MOSTLY * d as f64
    }

    /// A column of Arabic-script names: given and family names are counted together
    /// (family names are often given names: محمود, عبد الله), and `LONE_ARABIC_SHARE` of
    /// the distinct values must be known.
    fn arabic_known(&self, d: usize) -> bool {
        let known = self.distinct.values().filter(|n| n.first || n.surname).count() as f64;
        known >= LONE_ARABIC_SHARE * d as f64
    }
}

#[cfg(test)]
mod name_columns {
    use super::super::column_labels as labels;

    fn named(column: &str, values: &[&str]) -> bool {
        labels(column, values).iter().any(|l| l == "pii.person_name")
    }

    #[test]
    fn columns_of_lone_first_names_or_surnames_are_names() {
        let firsts = ["Hans", "Jennifer", "Camille", "Lucía", "Giulia", "Sanne", "Peter", "Marie", "Jürgen", "Hans", "Thomas", "Ana"];
        assert!(named("c7", &firsts));
        assert!(named("c7", &firsts.map(|f| f.to_uppercase()).iter().map(String::as_str).collect::<Vec<_>>()));
        let surnames = ["Smith", "Johnson", "Müller", "Dupont", "García", "Rossi", "De Vries", "Martin", "Williams", "Bernard"];
        assert!(named("field_b", &surnames));
        // A header says it: fewer known names are enough, and one value.
        assert!(named("Nachname", &["Hermighausen", "Oderwald", "Schmidt", "Bolnbach", "Wesack", "Müller"]));
        assert!(named("first_name", &["Hans"]));
    }

    /// Arabic and Persian names: no capital letters, so the column needs
    /// `LONE_ARABIC_SHARE` of its distinct values to be known names; city, country and
    /// company names, job titles, streets and frequent words stay far below it.
    #[test]
    fn arabic_script_name_columns() {
        let full = ["زيد ال القاسمي", "سلمى آل اليافعي", "محمد العتيبي", "فاطمة الزهراني", "عبد الله بن علي", "أحمد محمود", "خديجة الهاشمي", "يوسف الشمري", "ليلى المصري", "عمر الدوسري"];
        assert!(named("c0", &full));
        let given = ["محمد", "أحمد", "فاطمة", "عبد الله", "عبدالرحمن", "نورالدين", "مريم", "خالد", "زينب", "إياد", "جواد", "نادين"];
        assert!(named("c1", &given));
        let family = ["ال المنصوري", "ال المزروعي", "القحطاني", "العتيبي", "الكواري", "الظاهري", "الحارثي", "آل نهيان", "الدوسري", "الشمري"];
        assert!(named("c2", &family));
        let fa_full = ["علی‌رضا محمدی", "مریم حسینی", "حسین رضایی", "زهرا احمدی", "مهدی کریمی", "فاطمه موسوی", "امیر جعفری", "نرگس قاسمی"];
        assert!(named("c3", &fa_full));
        let fa_given = ["فرزان", "مانی", "علی", "رضا", "مریم", "کوروش", "نیلوفر", "شهرام", "مهسا", "سیاوش"];
        assert!(named("c4", &fa_given));
        let fa_family = ["حسین‌زاده", "علی‌پور", "کاویانی", "محمدی", "رضایی", "کریمی", "حسینی", "صادقی", "شیرازی", "تهرانی"];
        assert!(named("c5", &fa_family));
        let negatives: [&[&str]; 8] = [
            &["الرياض", "جدة", "مكة المكرمة", "المدينة المنورة", "الدمام", "دبي", "أبوظبي", "الشارقة", "القاهرة", "عمان", "بيروت", "دمشق"],
            &["السعودية", "مصر", "الأردن", "الإمارات العربية المتحدة", "سوريا", "لبنان", "العراق", "الكويت", "قطر", "عمان", "اليمن"],
            &["شركة الاتحاد للطيران", "شركة المراعي", "مجموعة سامبا المالية", "شركة زجاج", "شركة دار الأركان", "شركة أسواق", "بنك الرياض", "شركة الخليج للتدريب"],
            &["طبيب", "مهندس مدني", "مصور", "سباك", "محاسب", "معلم", "مدير مزرعة", "طباخ", "نجار", "ممرض", "محقق"],
            &["يختار", "يحرس", "يدير", "مهم", "يضع", "شجرة", "عمل", "يخسر", "كتاب", "مدرسة", "بيت", "سيارة", "ماء"],
            &["الشيخ زايد", "الملك عبد الله", "شارع الملك فهد", "الشيخ راشد", "الأندلس", "الخالدية", "البطحاء", "النزهة", "الملقا", "التخصصي"],
            &["تهران", "مشهد", "اصفهان", "شیراز", "تبریز", "کرج", "قم", "اهواز", "کرمانشاه", "ارومیه", "رشت", "زاهدان"],
            &["معین میدان", "نازنین خیابان", "شهید بهشتی", "دکتر مفتح", "آیت الله طالقانی", "نواب صفوی", "ولیعصر", "انقلاب", "آزادی", "فلسطین"],
        ];
        for (i, column) in negatives.iter().enumerate() {
            assert!(!named("c6", column), "negative {i}: {:?}", labels("c6", column));
        }
    }

    /// Rare surnames no list holds, in languages whose surnames end as few other words
    /// do (`surname_endings.txt`): the column of them is a column of surnames. Street
    /// names and places of the same languages, feminine adjectives and genitives of the
    /// very same shapes (`Chorzowska`, `Anenská`, `Тверская`, `Пушкина`), and English
    /// words that end in `-son` are not.
    #[test]
    fn columns_of_surnames_shaped_as_their_language_writes_them_are_names() {
        for (column, values) in [
            ("c1", &["Barišić", "Kolarić", "Dujmović", "Brčić", "Grgurić", "Benčić", "Vidović", "Zubčić", "Radošević", "Lovrić"][..]),
            ("c2", &["Arnleifsdóttir", "Auðólfsson", "Bjarnfinnsson", "Daðason", "Fjólmundsson", "Brekadóttir", "Eilífsson", "Elliðason"][..]),
            ("c3", &["Абраменко", "Андрійчук", "Бабенко", "Ковальчук", "Андрусенко", "Мельничук", "Гнатюк", "Бондаренко", "Шевчук"][..]),
            ("c4", &["Hirvensalo", "Hytönen", "Jalkanen", "Kumpulainen", "Pekkanen", "Haapalainen", "Hakulinen", "Janhunen", "Joutsen"][..]),
            ("c5", &["Chełmicki", "Duchnowski", "Gombrowicz", "Abramczyk", "Czekalski", "Dąbkowski", "Błachowski", "Galewicz", "Bużeński"][..]),
        ] {
            assert!(named(column, values), "{column}: {values:?} → {:?}", labels(column, values));
        }
        for (column, values) in [
            ("c6", &["Chorzowska", "Bonerowska", "Dunajecka", "Czarnohorska", "Biecka", "Flisacka", "Cybińska", "Braterska", "Bruśnicka"][..]),
            ("c7", &["Alpská", "Anenská", "Bohutínská", "Bratrská", "Bronzová", "Budovatelská", "Chuchelská", "Dukovanská", "Děkanská"][..]),
            ("c8", &["Тверская", "Пушкина", "Басманная", "Ватутина", "Асеева", "Беломорская", "Братская", "Дворцовая", "Высотная"][..]),
            ("c9", &["Berislavićeva", "Bogovićeva", "Bakarska", "Biokovska", "Dalmatinska", "Gajeva", "Istarska", "Kopačeva", "Kninska"][..]),
            ("c10", &["Reason", "Season", "Person", "Lesson", "Poison", "Prison", "Comparison", "Unison", "Treason", "Crimson", "Garrison"][..]),
            ("c11", &["Benešov", "Adamov", "Broumov", "Chodov", "Brno", "Cheb", "Bruntál", "Bechyně", "Beroun", "Bohumín"][..]),
        ] {
            assert!(!named(column, values), "{column}: {values:?} → {:?}", labels(column, values));
        }
    }

    #[test]
    fn capitalised_columns_that_are_not_names_are_not() {
        // A product colour column: 300 values from a palette, most of them surnames too.
        let palette = ["Red", "Blue", "Green", "Olive", "Navy", "Teal", "Maroon", "Silver", "Gold", "Violet", "Black", "White", "Brown", "Gray"];
        let colours: Vec<&str> = (0..300).map(|i| palette[(i * 7 + i / 3) % palette.len()]).collect();
        for (column, values) in [
            ("c1", &["Berlin", "Hamburg", "München", "Köln", "Frankfurt", "Stuttgart", "Düsseldorf", "Leipzig", "Dortmund", "Essen"][..]),
            ("c2", &colours[..]),
            ("c3", &["Germany", "France", "Spain", "Italy", "United States", "United Kingdom", "Netherlands", "Belgium", "Austria", "Switzerland", "Poland", "Sweden", "Canada", "Brazil", "Mexico", "Japan", "China", "India", "Australia", "Ireland", "Chad", "Jordan", "Georgia"][..]),
            ("c4", &["Active", "Inactive", "Pending", "Active", "Closed", "Active", "Pending"][..]),
            ("c5", &["Manager", "Engineer", "Accountant", "Nurse", "Teacher", "Driver", "Cashier", "Baker", "Analyst"][..]),
            ("c6", &["Acme GmbH", "Globex LLC", "Initech", "Umbrella Corp", "Stark Industries", "Wayne Enterprises", "Hooli"][..]),
            ("c7", &["jsmith", "anna.k", "mueller77", "dupont_c", "lucia.g", "peter_p", "root", "admin"][..]),
            ("c8", &["Hans"][..]),
            ("c9", &["Green"][..]),
        ] {
            assert!(!named(column, values), "{column}: {values:?} → {:?}", labels(column, values));
        }
    }

    /// A one-value column is judged like any other: its one value is all the matches it
    /// can have (`min_matches` is capped at the values present).
    #[test]
    fn a_one_value_column_is_labelled_by_its_value() {
        assert!(named("c1", &["Mr. Anthony Skinner"]));
        assert!(named("c1", &["Shannon Rubio"]));
        assert!(named("c1", &["je m'appelle Élodie"]));
        assert!(named("notes", &["Hallo, mein Name ist Jürgen Weber, bitte um Rückruf."]));
        assert_eq!(labels("c1", &["+44 20 7946 0958"]), ["pii.phone_number"]);
        assert!(labels("c1", &["Berlin"]).is_empty());
    }

    /// A column of Chinese or Korean names (surname first, two to four Han characters or
    /// Hangul syllables) is a name column; columns of words, cities, streets named after
    /// people and Seoul's districts (most begin with a surname syllable) are not.
    #[test]
    fn chinese_and_korean_name_columns_are_names() {
        let names = ["王秀英", "李娜", "张伟", "刘洋", "陈静", "杨帆", "黄磊", "赵丽", "吴敏", "周杰", "欧阳娜娜", "陳志明", "林美玲", "許俊賢"];
        assert!(named("c1", &names), "{:?}", labels("c1", &names));
        let words = ["当然", "继续", "中文", "研究", "名称", "高兴", "周末", "方法", "文件", "金额", "白色", "黄色"];
        let cities = ["北京", "上海", "广州", "深圳", "成都", "杭州", "武汉", "南京", "郑州", "苏州", "沈阳", "长沙"];
        let streets = ["李路", "张路", "戴路", "王街", "陈村", "黄镇", "刘巷", "周路", "吴街", "赵路", "孙村", "马路"];
        let korean = ["김민준", "이서연", "박지훈", "최수아", "정하준", "강지우", "조예준", "윤서윤", "장도윤", "임하은", "남궁민수", "한지민"];
        assert!(named("c1", &korean), "{:?}", labels("c1", &korean));
        let districts = ["종로구", "용산구", "성동구", "광진구", "성북구", "강북구", "도봉구", "노원구", "은평구", "마포구", "양천구", "강서구", "강남구", "송파구", "강동구"];
        for (what, values) in [("words", &words[..]), ("cities", &cities[..]), ("streets", &streets[..]), ("districts", &districts[..])] {
            assert!(!named("c1", values), "{what}: {:?}", labels("c1", values));
        }
    }

    /// Cyrillic and Greek name columns: full names (with patronymics, family name first),
    /// lone patronymics; columns of streets, cities, companies, places and words of the
    /// same scripts are not.
    #[test]
    fn cyrillic_and_greek_name_columns_are_names() {
        let ru_full = ["Роман Касимов", "Иванов Иван Иванович", "Анна Сергеевна Петрова", "Олег Смирнов", "Мария Кузнецова", "Дмитрий Попов", "Елена Соколова", "Сергей Волков", "Ольга Лебедева", "Алексей Морозов", "Татьяна Новикова", "Павел Орлов"];
        assert!(named("c1", &ru_full));
        let el_full = ["Μάρκος Βικελίδης", "Μαρία Παπαδοπούλου", "Γιώργος Παπαδάκης", "Ελένη Γεωργίου", "Νίκος Οικονόμου", "Κατερίνα Ιωαννίδου", "Δημήτρης Νικολάου", "Άννα Βλάχου", "Κώστας Μακρής", "Σταύρος Πετρίδης", "Χρήστος Δημόπουλος", "Ιωάννα Σαββίδου"];
        assert!(named("c1", &el_full));
        let patronymics = ["Иванович", "Петровна", "Сергеевич", "Алексеевна", "Николаевич", "Дмитриевна", "Андреевич", "Олеговна", "Викторович", "Юрьевна", "Ильич", "Никитична"];
        assert!(named("c1", &patronymics));
        let streets = ["улица Ленина", "проспект Мира", "Ленинградский проспект", "Тверская", "Арбат", "Невский проспект", "Садовая", "Пушкинская", "Гагарина", "Советская", "Лесная", "Школьная"];
        assert!(!named("c1", &streets));
        let cities = ["Москва", "Санкт-Петербург", "Новосибирск", "Екатеринбург", "Казань", "Нижний Новгород", "Самара", "Омск", "Ростов-на-Дону", "Уфа", "Красноярск", "Пермь"];
        assert!(!named("c1", &cities));
        let companies = ["ООО «Ромашка»", "АО «Газпром»", "ПАО Сбербанк", "Беспалова Лимитед", "ИП Петров", "Яндекс", "Роснефть", "Лукойл", "Магнит", "Ростелеком", "Аэрофлот", "Северсталь"];
        assert!(!named("c1", &companies));
        let greek_places = ["Αθήνα", "Θεσσαλονίκη", "Πάτρα", "Ηράκλειο", "Λάρισα", "Βόλος", "Ιωάννινα", "Χανιά", "Καβάλα", "Σέρρες", "Κέρκυρα", "Ρόδος"];
        assert!(!named("c1", &greek_places));
        let greek_words = ["Ελευθερία", "Δημοκρατία", "Θάλασσα", "Ουρανός", "Πλατεία Συντάγματος", "Νότια Αφρική", "Καλημέρα", "Ευχαριστώ", "Σπίτι", "Αγάπη", "Φιλοσοφία", "Ιστορία"];
        assert!(!named("c1", &greek_words));
        let words = ["Вера", "Надежда", "Любовь", "Мир", "Роза", "Работа", "Время", "Жизнь", "Город", "Дом", "Слово", "Дело"];
        assert!(!named("c1", &words));
    }

    /// Japanese name columns: surname first, with a space, an ideographic space or none,
    /// given names in kanji or kana, furigana in katakana, lone surnames and lone given
    /// names; columns of cities, prefectures, towns (many are surnames), companies, jobs
    /// and words are not. Chinese and Korean columns keep their verdicts.
    #[test]
    fn japanese_name_columns_are_names() {
        let surnames = ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "佐々木", "長谷川", "斎藤"];
        let given = ["直子", "翔太", "陽子", "健一", "美加子", "大輔", "裕美子", "拓真", "結衣", "晃", "香織", "くみ子"];
        let full: Vec<String> = surnames.iter().zip(given).map(|(s, g)| format!("{s} {g}")).collect();
        let joined: Vec<String> = surnames.iter().zip(given).map(|(s, g)| format!("{s}{g}")).collect();
        let wide: Vec<String> = surnames.iter().zip(given).map(|(s, g)| format!("{s}\u{3000}{g}")).collect();
        let kana = ["サトウ ナオコ", "スズキ ショウタ", "タカハシ ヨウコ", "タナカ ケンイチ", "イトウ ミカコ", "ワタナベ ダイスケ", "ヤマモト ユミコ", "ナカムラ タクマ"];
        let hiragana = ["佐藤 さくら", "鈴木 ひなた", "高橋 ゆかり", "田中 あすか", "伊藤 さゆり", "渡辺 みゆき", "山本 かおり", "中村 あおい"];
        for (what, values) in [
            ("surnames", surnames.to_vec()),
            ("given", given.to_vec()),
            ("full", full.iter().map(String::as_str).collect()),
            ("joined", joined.iter().map(String::as_str).collect()),
            ("wide space", wide.iter().map(String::as_str).collect()),
            ("katakana", kana.to_vec()),
            ("hiragana given", hiragana.to_vec()),
        ] {
            assert!(named("c1", &values), "{what}: {:?}", labels("c1", &values));
        }
        // Rare surnames are names under a header that says so.
        assert!(named("姓", &["宇佐見", "東坊城", "笛吹", "九楽", "蜂須賀", "芥川", "一松"]));
        let cities = ["豊島区", "あきる野市", "品川区", "小金井市", "横浜市緑区", "中野区", "千葉市", "福島市", "八王子市", "長野市"];
        let prefectures = ["長野県", "千葉県", "福島県", "宮崎県", "石川県", "山口県", "秋田県", "東京都", "大阪府", "北海道"];
        let towns = ["氏家", "平須賀", "三筋", "小入", "上広谷", "勝どき", "芝浦", "轟", "中小来川", "筑土八幡町"];
        let companies = ["株式会社藤田情報", "小林銀行株式会社", "有限会社山口通信", "山崎鉱業合同会社", "佐藤商店", "田中工務店", "鈴木歯科医院", "高橋内科"];
        let jobs = ["介護ヘルパー", "検察官", "演歌歌手", "寿司職人", "公認会計士", "営業部長", "代表取締役", "看護師"];
        let words = ["関係", "森林", "原因", "東京", "関わる", "西洋", "原子", "セキュリティ", "ハラスメント", "抹茶 ラテ", "特製 カレー", "会議"];
        for (what, values) in [("cities", &cities[..]), ("prefectures", &prefectures[..]), ("towns", &towns[..]), ("companies", &companies[..]), ("jobs", &jobs[..]), ("words", &words[..])] {
            assert!(!named("c1", values), "{what}: {:?}", labels("c1", values));
        }
    }

    /// A header that names a part of a name (`nazwisko`, `cognome`, `last_name`) makes a
    /// column of varied name-shaped values a name column even when the lists know none of
    /// them; a flag under such a header, or a generic header (`nome` of a product), does not.
    #[test]
    fn name_part_headers_are_evidence_for_unknown_names() {
        let rare = ["Szalast", "Dziurdzia", "Stanisławczyk", "Wudarczyk", "Pruchnik", "Pastuła", "Pracz", "Kunysz", "Gnyp", "Kobza"];
        for column in ["nazwisko", "cognome", "last_name", "Familienname"] {
            assert!(named(column, &rare), "{column}: {:?}", labels(column, &rare));
        }
        let flags: Vec<&str> = (0..200).map(|i| ["Yes", "No", "Unknown"][i % 3]).collect();
        assert!(!named("last_name_verified", &flags), "{:?}", labels("last_name_verified", &flags));
        let products = ["Brezza", "Cometa", "Delizia", "Fiamma", "Galassia", "Marea", "Nuvola", "Tempesta", "Vortice", "Scintilla"];
        assert!(!named("nome_prodotto", &products), "{:?}", labels("nome_prodotto", &products));
    }

    /// Names written family name first (Hungarian, registry lists) are names when both
    /// parts are known: `Kovács Ilona`; a surname before an unknown word is not.
    #[test]
    fn family_name_first_columns_are_names() {
        let names = ["Kovács Ilona", "Nagy László", "Tóth Katalin", "Szabó István", "Horváth Erzsébet", "Varga Zoltán", "Kiss Anna", "Molnár Péter"];
        assert!(named("c1", &names), "{:?}", labels("c1", &names));
        let not = ["Nagy Kft.", "Tóth Bau", "Szabó Trans", "Varga Logistics", "Horváth Print", "Molnár Design", "Kovács Plus", "Farkas Media"];
        assert!(!named("c1", &not), "{:?}", labels("c1", &not));
    }

    /// A title that stands only before people makes the word after it a surname, known
    /// (`Mmes Dupont`, no dot) or not (`Mevr. Kunysz`); `Dr.` and `Sr.` do not (`Dr.
    /// Oetker`, `Sr. Engineer`).
    #[test]
    fn person_only_titles_name_unknown_surnames() {
        let notes = |line: &str| -> Vec<String> {
            let mut v: Vec<String> = (0..200).map(|i| format!("Ticket {i} closed, no further action.")).collect();
            v[40] = line.to_string();
            v[120] = line.to_string();
            v
        };
        for line in ["Graag Mevr. Kunysz terugbellen.", "Richiamare Sig.ra Petruzzi domani.", "Please call Mrs. Oderwald back.", "Merci de rappeler Mmes Dupont et fils."] {
            let v = notes(line);
            let refs: Vec<&str> = v.iter().map(String::as_str).collect();
            assert!(named("notes", &refs), "{line}");
        }
        for line in ["Ordered pizza from Dr. Oetker again.", "Hired a Sr. Engineer today."] {
            let v = notes(line);
            let refs: Vec<&str> = v.iter().map(String::as_str).collect();
            assert!(!named("notes", &refs), "{line}: {:?}", labels("notes", &refs));
        }
    }

    /// In free text one introduced or abbreviated-titled name is evidence on its own; a
    /// written-out title before a capitalised noun (German prose) is not.
    #[test]
    fn one_introduced_name_in_free_text_is_enough() {
        let mut notes: Vec<String> = (0..200).map(|i| format!("Ticket {i} geschlossen, keine weiteren Schritte.")).collect();
        notes[17] = "Hallo, ich heiße Mirthe und habe eine Frage.".into();
        notes[90] = "Bitte Dr. Schneider zurückrufen.".into();
        let refs: Vec<&str> = notes.iter().map(String::as_str).collect();
        assert!(named("notes", &refs));
        let mut prose: Vec<String> = (0..200).map(|i| format!("Vorgang {i} erledigt.")).collect();
        prose[3] = "See stark dafür fest zur Herr Freund.".into();
        prose[50] = "Sind Frau Fisch Haus wohnen.".into();
        let refs: Vec<&str> = prose.iter().map(String::as_str).collect();
        assert!(!named("notes", &refs), "{:?}", labels("notes", &refs));
    }
}
