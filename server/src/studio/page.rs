//! What a company's page says, read from its HTML (scraper, html5ever's parser): the title,
//! the description it gives of itself, its headings, paragraphs, list items and links, without
//! scripts, styles, navigation or footers. Then the local summary of it: what the company does,
//! its products, recent news on the page and the page's tone, each taken from the page's own
//! words (nothing invented), for when no AI provider is configured and as the AI's input when
//! one is.

use scraper::{ElementRef, Html, Selector};
use serde::{Deserialize, Serialize};
use url::Url;

/// Elements whose text is never the company speaking.
const SKIPPED: &[&str] = &[
    "script", "style", "noscript", "template", "svg", "nav", "footer", "form", "iframe", "select",
    "button",
];

const MAX_PARAGRAPHS: usize = 40;
const MAX_HEADINGS: usize = 30;
const MAX_ITEMS: usize = 60;
const MAX_LINKS: usize = 40;

/// A link on the page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub text: String,
    pub url: String,
}

/// A heading, with its level (1 for h1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heading {
    pub level: u8,
    pub text: String,
}

/// The readable parts of a page, in document order, whitespace collapsed, repeats dropped.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageText {
    pub title: Option<String>,
    pub description: Option<String>,
    pub headings: Vec<Heading>,
    pub paragraphs: Vec<String>,
    /// List items, with the heading they sit under (the nearest before them).
    pub items: Vec<(Option<String>, String)>,
    pub links: Vec<Link>,
}

impl PageText {
    /// Every readable word of the page, for counting and for an AI prompt.
    pub fn words(&self) -> String {
        let mut out = Vec::new();
        out.extend(self.title.iter().cloned());
        out.extend(self.description.iter().cloned());
        out.extend(self.headings.iter().map(|h| h.text.clone()));
        out.extend(self.paragraphs.iter().cloned());
        out.extend(self.items.iter().map(|(_, i)| i.clone()));
        out.join("\n")
    }
}

fn selector(s: &str) -> Selector {
    Selector::parse(s).expect("a fixed selector parses")
}

fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn clip(text: &str, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        Some((i, _)) => format!("{}…", text[..i].trim_end()),
        None => text.to_string(),
    }
}

fn skipped(el: &ElementRef) -> bool {
    el.ancestors()
        .filter_map(ElementRef::wrap)
        .chain(std::iter::once(*el))
        .any(|a| {
            SKIPPED.contains(&a.value().name())
                || a.attr("hidden").is_some()
                || a.attr("aria-hidden") == Some("true")
        })
}

fn text_of(el: &ElementRef) -> String {
    squash(&el.text().collect::<String>())
}

/// Reads a page's HTML; links are made absolute against `base` and kept only when http(s).
pub fn read(html: &str, base: &Url) -> PageText {
    let doc = Html::parse_document(html);
    let mut page = PageText {
        title: doc
            .select(&selector("head > title"))
            .next()
            .map(|t| clip(&text_of(&t), 200))
            .filter(|t| !t.is_empty()),
        ..PageText::default()
    };
    for sel in [
        r#"meta[name="description" i]"#,
        r#"meta[property="og:description" i]"#,
        r#"meta[name="twitter:description" i]"#,
    ] {
        if page.description.is_none() {
            page.description = doc
                .select(&selector(sel))
                .filter_map(|m| m.attr("content"))
                .map(|d: &str| squash(d))
                .find(|d: &String| !d.is_empty())
                .map(|d: String| clip(&d, 400));
        }
    }
    let mut seen = std::collections::HashSet::new();
    let mut under: Option<String> = None;
    for el in doc.select(&selector("h1, h2, h3, h4, p, li, a[href]")) {
        if skipped(&el) {
            continue;
        }
        let name = el.value().name();
        let text = text_of(&el);
        if text.is_empty() {
            continue;
        }
        if let Some(level) = name.strip_prefix('h').and_then(|l| l.parse::<u8>().ok()) {
            // The heading list items sit under, even when the heading repeats an earlier one.
            under = Some(clip(&text, 120));
            if seen.insert(text.clone()) && page.headings.len() < MAX_HEADINGS {
                page.headings.push(Heading {
                    level,
                    text: clip(&text, 120),
                });
            }
            continue;
        }
        match name {
            "a" => {
                let Some(url) = el.attr("href").and_then(|h| base.join(h.trim()).ok()) else {
                    continue;
                };
                if !matches!(url.scheme(), "http" | "https") || page.links.len() >= MAX_LINKS {
                    continue;
                }
                let link = Link {
                    text: clip(&text, 80),
                    url: url.to_string(),
                };
                if !page.links.contains(&link) {
                    page.links.push(link);
                }
            }
            _ if !seen.insert(text.clone()) => {}
            // A paragraph that is a sentence or more, not a label or a price.
            "p" if text.chars().count() >= 40 && page.paragraphs.len() < MAX_PARAGRAPHS => {
                page.paragraphs.push(clip(&text, 600));
            }
            "li" => {
                // An item whose own text is short: a product or a point, not a nested menu.
                let n = text.chars().count();
                if (2..=160).contains(&n) && page.items.len() < MAX_ITEMS && !has_list_inside(&el) {
                    page.items.push((under.clone(), text));
                }
            }
            _ => {}
        }
    }
    page
}

fn has_list_inside(el: &ElementRef) -> bool {
    el.descendent_elements()
        .skip(1)
        .any(|d| matches!(d.value().name(), "ul" | "ol"))
}

/// The tone a page's words suggest, with the reason in words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tone {
    /// One of professional, friendly, casual, formal, enthusiastic.
    pub tone: String,
    pub why: String,
}

/// A page's summary: every field is the page's own words or a count of them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub name: Option<String>,
    /// What the company does, in its words.
    pub what: Option<String>,
    pub products: Vec<String>,
    pub news: Vec<String>,
    pub tone: Option<Tone>,
}

/// Word stems: a keyword matches words that start with it ("product" → "products"), never the
/// middle of one ("press" is not in "espresso"); a phrase matches consecutive words.
const PRODUCT_WORDS: &[&str] = &[
    "product",
    "service",
    "solution",
    "shop",
    "collection",
    "catalog",
    "what we",
    "offer",
    "range",
    "menu",
    "pricing",
    "plans",
    "feature",
];
const NEWS_WORDS: &[&str] = &[
    "news",
    "announc",
    "launch",
    "introduc",
    "new",
    "now available",
    "press release",
    "award",
    "opens",
    "opened",
    "partnership",
    "update",
];
const MONTHS: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

fn word_list(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Whether `text` has a word (or consecutive words) starting with one of the stems.
fn mentions(text: &str, stems: &[&str]) -> bool {
    let words = word_list(text);
    stems.iter().any(|stem| {
        let parts: Vec<&str> = stem.split(' ').collect();
        words.windows(parts.len()).any(|w| {
            w.iter()
                .zip(&parts)
                .enumerate()
                // Every word of a phrase but the last is whole; the last is a stem.
                .all(|(i, (word, part))| {
                    if i + 1 < parts.len() {
                        word == part
                    } else {
                        word.starts_with(part)
                    }
                })
        })
    })
}

fn has_year(text: &str) -> bool {
    text.as_bytes().windows(4).enumerate().any(|(i, w)| {
        w.starts_with(b"20")
            && w.iter().all(u8::is_ascii_digit)
            && !text.as_bytes().get(i + 4).is_some_and(u8::is_ascii_digit)
            && (i == 0 || !text.as_bytes()[i - 1].is_ascii_digit())
    })
}

/// The local summary of a page.
pub fn summarise(page: &PageText) -> Summary {
    let name = page
        .title
        .as_deref()
        .map(|t| {
            // "Atelier Linen — Aprons and table linen" → "Atelier Linen".
            t.split(['|', '–', '—', '·', ':'])
                .next()
                .unwrap_or(t)
                .split(" - ")
                .next()
                .unwrap_or(t)
                .trim()
                .to_string()
        })
        .filter(|n| !n.is_empty());
    let what = page
        .description
        .clone()
        .or_else(|| page.paragraphs.first().map(|p| clip(p, 400)));

    let mut products: Vec<String> = page
        .items
        .iter()
        .filter(|(h, _)| h.as_deref().is_some_and(|h| mentions(h, PRODUCT_WORDS)))
        .map(|(_, i)| clip(i, 100))
        .collect();
    if products.is_empty() {
        // No list under a products heading: the headings under a products heading, or the
        // page's second-level headings.
        products = page
            .headings
            .iter()
            .filter(|h| h.level >= 2 && h.level <= 3)
            .filter(|h| !mentions(&h.text, PRODUCT_WORDS) && !mentions(&h.text, NEWS_WORDS))
            .map(|h| h.text.clone())
            .collect();
    }
    products.truncate(8);

    let news: Vec<String> = page
        .headings
        .iter()
        .map(|h| h.text.clone())
        .chain(page.paragraphs.iter().cloned())
        .filter(|t| t.chars().count() >= 20)
        .filter(|t| {
            mentions(t, NEWS_WORDS)
                && (has_year(t)
                    || mentions(t, MONTHS)
                    || mentions(t, &["news", "announc", "launch"]))
        })
        .map(|t| clip(&t, 240))
        .take(5)
        .collect();

    Summary {
        name,
        what,
        products,
        news,
        tone: tone(&page.words()),
    }
}

/// The tone of a text, from what can be counted: exclamations, the reader addressed as "you",
/// first names ("we", "our"), sentence length, and formal connectives.
pub fn tone(text: &str) -> Option<Tone> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    if words.len() < 20 {
        return None;
    }
    let n = words.len() as f64;
    let count = |set: &[&str]| words.iter().filter(|w| set.contains(&w.as_str())).count() as f64;
    // A heading or a list item is a sentence of its own even without a full stop.
    let sentences = text
        .split(['.', '!', '?', '\n'])
        .filter(|s| s.split_whitespace().count() >= 3)
        .count()
        .max(1) as f64;
    let exclaims = text.matches('!').count() as f64;
    let you = count(&["you", "your", "you're", "yours"]) / n;
    let we = count(&["we", "our", "us", "we're"]) / n;
    let casual = count(&[
        "hey", "awesome", "cool", "stuff", "gonna", "folks", "yep", "love",
    ]) / n;
    let formal = count(&[
        "hereby",
        "therefore",
        "furthermore",
        "pursuant",
        "accordingly",
        "whereas",
        "shall",
        "thereof",
        "respectively",
        "regarding",
    ]) / n;
    let per_sentence = n / sentences;
    let (tone, why) = if exclaims / sentences >= 0.25 {
        (
            "enthusiastic",
            format!(
                "{} exclamation marks in {} sentences",
                exclaims as u64, sentences as u64
            ),
        )
    } else if casual >= 0.01 {
        (
            "casual",
            "everyday words such as “awesome” or “folks”".to_string(),
        )
    } else if formal >= 0.004 || per_sentence >= 28.0 {
        (
            "formal",
            format!("long sentences ({per_sentence:.0} words on average) and formal connectives"),
        )
    } else if you >= 0.02 && we >= 0.01 {
        (
            "friendly",
            "it speaks to the reader as “you” and of itself as “we”".to_string(),
        )
    } else {
        (
            "professional",
            format!("plain statements of about {per_sentence:.0} words a sentence"),
        )
    };
    Some(Tone {
        tone: tone.to_string(),
        why,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHOP: &str = r#"<!doctype html><html><head>
        <title>Atelier Linen — Aprons and table linen</title>
        <meta name="description" content="  Atelier Linen sews aprons and table linen in Cluj from
            stonewashed European flax. ">
        <script>var tracking = "never read";</script><style>p{color:red}</style>
        </head><body>
        <nav><ul><li><a href="/shop">Shop</a></li><li><a href="/about">About</a></li></ul></nav>
        <h1>Linen for kitchens that work hard</h1>
        <p>We cut, sew and wash every piece in our workshop, and you can visit us on Fridays.</p>
        <h2>Our products</h2>
        <ul><li>Chef's apron</li><li>Bistro apron</li><li>Table runner</li><li>Napkins, set of 4</li></ul>
        <h2>News</h2>
        <p>March 2026: we launch a new colour, Moss, made with a Cluj dye house.</p>
        <p hidden>Secret draft paragraph that is long enough to count as one.</p>
        <a href="mailto:hello@atelier.test">Write to us</a>
        <a href="https://instagram.com/atelier">Instagram</a>
        <footer><p>© 2026 Atelier Linen SRL. All rights reserved. Registered in Cluj-Napoca.</p></footer>
        </body></html>"#;

    fn base() -> Url {
        "https://atelier.test/".parse().unwrap()
    }

    #[test]
    fn reads_what_the_company_says_and_not_the_furniture() {
        let page = read(SHOP, &base());
        assert_eq!(
            page.title.as_deref(),
            Some("Atelier Linen — Aprons and table linen")
        );
        assert_eq!(
            page.description.as_deref(),
            Some(
                "Atelier Linen sews aprons and table linen in Cluj from stonewashed European flax."
            )
        );
        assert_eq!(
            page.headings[0],
            Heading {
                level: 1,
                text: "Linen for kitchens that work hard".into()
            }
        );
        assert_eq!(
            page.items.len(),
            4,
            "the menu's items are navigation: {:?}",
            page.items
        );
        assert_eq!(
            page.items[0],
            (Some("Our products".into()), "Chef's apron".into())
        );
        let words = page.words();
        for absent in [
            "never read",
            "color:red",
            "Secret draft",
            "All rights reserved",
        ] {
            assert!(!words.contains(absent), "{absent} was read");
        }
        let urls: Vec<&str> = page.links.iter().map(|l| l.url.as_str()).collect();
        assert_eq!(
            urls,
            ["https://instagram.com/atelier"],
            "nav links and mailto are left out"
        );
    }

    #[test]
    fn summarises_in_the_page_s_own_words() {
        let s = summarise(&read(SHOP, &base()));
        assert_eq!(s.name.as_deref(), Some("Atelier Linen"));
        assert!(s.what.unwrap().starts_with("Atelier Linen sews aprons"));
        assert_eq!(
            s.products,
            [
                "Chef's apron",
                "Bistro apron",
                "Table runner",
                "Napkins, set of 4"
            ]
        );
        assert_eq!(
            s.news,
            ["March 2026: we launch a new colour, Moss, made with a Cluj dye house."]
        );
    }

    #[test]
    fn a_page_without_a_description_is_described_by_its_first_paragraph() {
        let s = summarise(&read(
            "<title>Brio</title><h2>Espresso machines</h2><h2>Grinders</h2>\
             <p>Brio builds espresso machines for small cafés, serviced for ten years.</p>",
            &base(),
        ));
        assert_eq!(
            s.what.as_deref(),
            Some("Brio builds espresso machines for small cafés, serviced for ten years.")
        );
        assert_eq!(s.products, ["Espresso machines", "Grinders"]);
        assert!(s.news.is_empty());
        assert_eq!(s.tone, None, "too few words to judge");
    }

    #[test]
    fn an_empty_or_broken_page_gives_nothing_rather_than_failing() {
        for html in [
            "",
            "<<<>>>",
            "<html><body><script>x</script></body>",
            "\u{0}\u{1}binary",
        ] {
            let page = read(html, &base());
            let s = summarise(&page);
            assert!(s.products.is_empty() && s.news.is_empty(), "{html:?}");
        }
    }

    #[test]
    fn tones() {
        let t = |s: &str| tone(s).unwrap().tone;
        assert_eq!(
            t("Big news! Our new range is here! Come and see it! You will love it! It is the best yet! Tell your friends about us today!"),
            "enthusiastic"
        );
        assert_eq!(
            t("Hey folks, we made some awesome stuff this year and you are gonna like it a lot, so come by the shop and say hi to the team."),
            "casual"
        );
        assert_eq!(
            t("The company hereby provides consulting services pursuant to the agreements concluded with its clients, and accordingly shall maintain the records thereof."),
            "formal"
        );
        assert_eq!(
            t("We make your mornings easier. You choose the beans and we roast them for you. Our team answers your questions the same day. We ship to you for free."),
            "friendly"
        );
        assert_eq!(
            t("The company manufactures industrial pumps. Its factory is in Brasov. Products ship to twelve countries. Delivery takes five days. Support is available by phone."),
            "professional"
        );
    }

    #[test]
    fn years_are_whole_numbers() {
        assert!(has_year("In 2026 we grew"));
        assert!(has_year("2025"));
        assert!(!has_year("order 120260"));
        assert!(!has_year("1999"));
    }
}
