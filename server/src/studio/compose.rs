//! What a piece is made of, its limits, and the local composer: the honest templates filled
//! from the member's inputs and the research when no AI provider is configured. Pure code.
//!
//! Limits: an email's body has at most 100 words; a post's body 150 to 200, with 7 to 10
//! hashtags. Words are counted as whitespace-separated runs holding a letter or digit.

use serde::{Deserialize, Serialize};

use super::page::{self, Summary};

pub const EMAIL_MAX_WORDS: usize = 100;
pub const POST_MIN_WORDS: usize = 150;
pub const POST_MAX_WORDS: usize = 200;
pub const MIN_HASHTAGS: usize = 7;
pub const MAX_HASHTAGS: usize = 10;
/// Reading speed for a post's reading time, in words a minute.
const WORDS_PER_MINUTE: usize = 200;

/// The tones an email may be asked for.
pub const TONES: [&str; 5] = [
    "professional",
    "friendly",
    "casual",
    "formal",
    "enthusiastic",
];
/// What a post is for.
pub const GOALS: [(&str, &str); 3] = [
    ("engagement", "Engagement"),
    ("leads", "Leads"),
    ("thought_leadership", "Thought leadership"),
];

/// The six preset styles: (key, name, how it writes). Archetypes, not imitations of real people.
pub const PRESETS: [(&str, &str, &str); 6] = [
    (
        "storyteller",
        "The storyteller",
        "Opens with a moment from work, short paragraphs, ends on the lesson it taught.",
    ),
    (
        "analyst",
        "The analyst",
        "Leads with a number, three plain findings, no hype.",
    ),
    (
        "coach",
        "The coach",
        "Speaks to the reader as you, encouraging, gives numbered steps.",
    ),
    (
        "contrarian",
        "The contrarian",
        "Challenges a common belief first, then argues the case calmly.",
    ),
    (
        "builder",
        "The builder",
        "Behind the scenes of building something: what worked, what did not.",
    ),
    (
        "curator",
        "The curator",
        "Shares what is worth reading on the topic, with a one-line take on each.",
    ),
];

/// Counts words: whitespace-separated runs holding a letter or a digit.
pub fn words(text: &str) -> usize {
    text.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count()
}

/// The first `n` words of `text` (whitespace collapsed), with an ellipsis when cut.
pub fn first_words(text: &str, n: usize) -> String {
    let all: Vec<&str> = text.split_whitespace().collect();
    if all.len() <= n {
        return all.join(" ");
    }
    let mut cut = all[..n].join(" ");
    cut = cut
        .trim_end_matches(|c: char| c.is_ascii_punctuation())
        .to_string();
    cut.push('…');
    cut
}

/// Minutes a post takes to read (at least one).
pub fn reading_minutes(words: usize) -> u32 {
    words.div_ceil(WORDS_PER_MINUTE).max(1) as u32
}

/// A generated email.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Email {
    pub subject: String,
    pub body: String,
    pub value_propositions: Vec<String>,
    pub tone_analysis: String,
    /// Set when a template wrote it (no AI provider), in words for the member.
    pub note: Option<String>,
}

/// A generated LinkedIn post.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Post {
    pub hook: String,
    pub body: String,
    pub call_to_action: String,
    pub hashtags: Vec<String>,
    pub reading_minutes: u32,
    pub note: Option<String>,
}

/// What an email is asked to be.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EmailAsk {
    pub sender_name: String,
    pub sender_profile: String,
    pub recipient_name: String,
    pub recipient_role: String,
    pub company_url: String,
    pub tone: String,
    pub goal: String,
    pub pain_point: String,
    pub linkedin_url: String,
    pub job_url: String,
    pub campaign: String,
}

/// What a post is asked to be.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PostAsk {
    pub topic: String,
    pub industry: String,
    pub audience: String,
    pub goal: String,
    /// `preset:<key>`, `author:<id>` or `custom:<name>`.
    pub style: String,
    pub references: Vec<String>,
}

/// The style a post is written in, resolved.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Style {
    pub name: String,
    /// How it writes, in words (a preset's line, an author's summary, nothing for a custom name).
    pub description: String,
    /// Hashtags the author uses most, with their '#'.
    pub hashtags: Vec<String>,
    pub opens_with_question: bool,
    pub preset: Option<&'static str>,
}

/// Why an answer breaks a piece's rules (empty: it keeps them).
pub fn email_problems(e: &Email) -> Vec<String> {
    let mut out = Vec::new();
    if e.subject.trim().is_empty() {
        out.push("the subject is empty".to_string());
    }
    let n = words(&e.body);
    if n == 0 {
        out.push("the body is empty".to_string());
    } else if n > EMAIL_MAX_WORDS {
        out.push(format!(
            "the body has {n} words; it must have at most {EMAIL_MAX_WORDS}"
        ));
    }
    out
}

pub fn post_problems(p: &Post) -> Vec<String> {
    let mut out = Vec::new();
    if p.hook.trim().is_empty() {
        out.push("the hook is empty".to_string());
    }
    let n = words(&p.body);
    if !(POST_MIN_WORDS..=POST_MAX_WORDS).contains(&n) {
        out.push(format!(
            "the body has {n} words; it must have {POST_MIN_WORDS} to {POST_MAX_WORDS}"
        ));
    }
    if !(MIN_HASHTAGS..=MAX_HASHTAGS).contains(&p.hashtags.len()) {
        out.push(format!(
            "there are {} hashtags; there must be {MIN_HASHTAGS} to {MAX_HASHTAGS}",
            p.hashtags.len()
        ));
    }
    if p.call_to_action.trim().is_empty() {
        out.push("the call to action is empty".to_string());
    }
    out
}

/// A hashtag as LinkedIn shows it: '#' and letters or digits, no spaces (None when nothing is
/// left).
pub fn hashtag(raw: &str) -> Option<String> {
    let mut out = String::from("#");
    for word in raw
        .trim_start_matches('#')
        .split(|c: char| !c.is_alphanumeric())
    {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    (out.len() > 1 && out.chars().count() <= 40).then_some(out)
}

/// Unique hashtags (any case) in order.
pub fn unique_tags(tags: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    tags.into_iter()
        .filter(|t| seen.insert(t.to_lowercase()))
        .collect()
}

fn first_name(full: &str) -> String {
    full.split_whitespace()
        .next()
        .unwrap_or("there")
        .to_string()
}

fn company_name(s: &Summary, url: &str) -> String {
    s.name.clone().filter(|n| !n.is_empty()).unwrap_or_else(|| {
        url::Url::parse(url)
            .ok()
            .and_then(|u| {
                u.host_str()
                    .map(|h| h.trim_start_matches("www.").to_string())
            })
            .unwrap_or_else(|| "your company".into())
    })
}

fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        if c == '\n' {
            if !cur.trim().is_empty() {
                out.push(cur.trim().to_string());
            }
            cur.clear();
            continue;
        }
        cur.push(c);
        if matches!(c, '.' | '!' | '?') {
            out.push(cur.trim().to_string());
            cur.clear();
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out.retain(|s| words(s) >= 3);
    out
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn end_with_stop(s: &str) -> String {
    let s = s.trim();
    // A quotation that ends with its own stop ("…a week.”) needs none after it.
    let inner = s.trim_end_matches(['”', '"', '’', '\'', ')']);
    if inner.ends_with(['.', '!', '?', '…']) {
        s.to_string()
    } else {
        format!("{s}.")
    }
}

pub const TEMPLATE_NOTE: &str = "Written from a template: no AI provider is configured for this company, so the page's own words and yours were put together. Read it through before sending.";

/// The local composer's email. `research` is the company's page; `extra` the LinkedIn and job
/// pages when given. Always within the word limit.
pub fn local_email(ask: &EmailAsk, research: &Summary, extra: &[Summary]) -> Email {
    let company = company_name(research, &ask.company_url);
    let first = first_name(&ask.recipient_name);
    let tone = ask.tone.as_str();
    let greeting = match tone {
        "formal" => format!("Dear {},", ask.recipient_name.trim()),
        "casual" => format!("Hey {first},"),
        "enthusiastic" => format!("Hi {first}!"),
        _ => format!("Hi {first},"),
    };
    let noticed = if let Some(news) = research.news.first() {
        format!("I read on {company}'s site: “{}”", first_words(news, 14))
    } else if let Some(what) = &research.what {
        format!(
            "I came across {company}: {}",
            lower_first(&first_words(what, 16))
        )
    } else {
        format!("I came across {company}'s website")
    };
    let hiring = extra
        .iter()
        .find_map(|s| s.name.clone())
        .map(|n| format!("I also read “{}”.", first_words(&n, 10)));
    let pain = (!ask.pain_point.trim().is_empty()).then(|| match tone {
        "formal" => format!(
            "In your role as {}, I imagine {} is a priority.",
            ask.recipient_role.trim(),
            lower_first(&first_words(
                ask.pain_point.trim().trim_end_matches('.'),
                14
            ))
        ),
        _ => format!(
            "As {}, you may be dealing with {}.",
            ask.recipient_role.trim(),
            lower_first(&first_words(
                ask.pain_point.trim().trim_end_matches('.'),
                14
            ))
        ),
    });
    let profile = sentences(&ask.sender_profile);
    let about = profile
        .first()
        .map(|s| format!("About me: {}", end_with_stop(&first_words(s, 22))));
    let goal = match tone {
        "formal" => format!(
            "I would welcome the chance to {}.",
            lower_first(&first_words(
                ask.goal.trim().trim_end_matches(['.', '?']),
                16
            ))
        ),
        "enthusiastic" => format!(
            "I would love to {}!",
            lower_first(&first_words(
                ask.goal.trim().trim_end_matches(['.', '?', '!']),
                16
            ))
        ),
        _ => format!(
            "Would you be open to this: {}?",
            lower_first(&first_words(
                ask.goal.trim().trim_end_matches(['.', '?']),
                16
            ))
        ),
    };
    let closing = match tone {
        "formal" => "Kind regards,",
        "casual" => "Cheers,",
        "friendly" => "Thanks,",
        "enthusiastic" => "Looking forward to it,",
        _ => "Best regards,",
    };
    let sender = ask.sender_name.trim();
    // Optional parts go first when the body runs long: the second page, then the sender's line.
    let mut optional: Vec<Option<String>> = vec![about, hiring];
    let body = loop {
        let mut middle = vec![end_with_stop(&noticed)];
        middle.extend(pain.clone());
        middle.extend(optional.iter().rev().flatten().cloned());
        middle.push(goal.clone());
        let body = format!("{greeting}\n\n{}\n\n{closing}\n{sender}", middle.join(" "));
        if words(&body) <= EMAIL_MAX_WORDS {
            break body;
        }
        if let Some(i) = optional.iter().rposition(Option::is_some) {
            optional[i] = None;
        } else {
            break first_words(&body, EMAIL_MAX_WORDS);
        }
    };
    let subject = if !ask.pain_point.trim().is_empty() {
        format!(
            "{} at {company}",
            upper_first(&first_words(ask.pain_point.trim().trim_end_matches('.'), 6))
        )
    } else if let Some(p) = research.products.first() {
        format!("{company} and {}", first_words(p, 5))
    } else {
        format!("An idea for {company}")
    };
    let mut value_propositions: Vec<String> = profile
        .iter()
        .filter(|s| s.chars().any(|c| c.is_ascii_digit()))
        .chain(profile.iter().skip(1))
        .map(|s| end_with_stop(&first_words(s, 20)))
        .collect();
    value_propositions.dedup();
    value_propositions.truncate(3);
    if let Some(p) = research.products.first() {
        value_propositions.push(format!("Relevant to {company}'s {}.", first_words(p, 8)));
    }
    Email {
        tone_analysis: tone_analysis(tone, &body),
        subject,
        body,
        value_propositions,
        note: Some(TEMPLATE_NOTE.into()),
    }
}

/// "Asked for: friendly. Reads as: friendly (…)".
pub fn tone_analysis(asked: &str, body: &str) -> String {
    match page::tone(body) {
        Some(t) => format!("Asked for: {asked}. Reads as: {} ({}).", t.tone, t.why),
        None => format!("Asked for: {asked}. Too short to measure how it reads."),
    }
}

/// The local composer's post: within 150–200 words and 7–10 hashtags.
pub fn local_post(ask: &PostAsk, style: &Style, references: &[(String, Summary)]) -> Post {
    let topic = ask.topic.trim();
    let industry = ask.industry.trim();
    let audience = ask.audience.trim();
    let hook = match (
        ask.goal.as_str(),
        style.opens_with_question || style.preset == Some("coach"),
    ) {
        (_, true) => format!(
            "What would change for {audience} if {} worked the way it should?",
            lower_first(topic)
        ),
        ("leads", _) => format!(
            "Most {audience} lose hours to {}. It does not have to be that way.",
            lower_first(topic)
        ),
        ("thought_leadership", _) => format!(
            "{} in {industry} is changing faster than most plans admit.",
            upper_first(topic)
        ),
        _ => format!("{}: where would you start?", upper_first(topic)),
    };
    let opening = match style.preset {
        Some("storyteller") => format!("Last month a conversation with one of our {audience} stopped me: we had been talking about {} for an hour and had not named the real problem once.", lower_first(topic)),
        Some("analyst") => format!("Three things stand out when you look closely at {} in {industry}.", lower_first(topic)),
        Some("contrarian") => format!("The usual advice on {} says to do more of it. I think that is the wrong way round for {audience}.", lower_first(topic)),
        Some("builder") => format!("We have spent the last months working on {} in {industry}, and not everything went to plan.", lower_first(topic)),
        Some("curator") => format!("A few things worth reading on {} this week, for {audience} in {industry}.", lower_first(topic)),
        _ => format!("In {industry}, {} comes up in almost every conversation with {audience}.", lower_first(topic)),
    };
    let mut paragraphs = vec![opening];
    for (url, s) in references {
        let name = s.name.clone().unwrap_or_else(|| url.clone());
        let line = match (&s.what, s.news.first()) {
            (_, Some(news)) => format!("{name}: “{}”", first_words(news, 20)),
            (Some(what), None) => format!("{name}: {}", first_words(what, 22)),
            (None, None) => continue,
        };
        paragraphs.push(end_with_stop(&line));
    }
    let steps = [
        format!("1. Start from the question your {audience} actually ask about {}, not the one on the slide.", lower_first(topic)),
        "2. Pick one measure you can read every week, and let it decide what you stop doing.".to_string(),
        format!("3. Share what you learn with the rest of {industry}: the answers come back better."),
    ];
    paragraphs.push(steps.join("\n"));
    let closing = match style.preset {
        Some("storyteller") => {
            "The lesson for me: the real problem is usually the one nobody has written down yet."
                .to_string()
        }
        Some("contrarian") => {
            "Doing less, on purpose, is harder than it sounds. It is also what works.".to_string()
        }
        Some("builder") => {
            "What worked was small and boring: a short list, a weekly check, and honest notes."
                .to_string()
        }
        _ => {
            format!("None of this is new, but in {industry} it is still rare to see it done well.")
        }
    };
    paragraphs.push(closing);
    let filler = [
        format!("Every team I speak with in {industry} has its own version of this, and the ones that move fastest are the ones that talk about it openly."),
        format!("It rarely takes a big budget; it takes a clear owner and the patience to keep {} on the agenda for more than one quarter.", lower_first(topic)),
        format!("If you work with {audience}, you already know where the friction is: start there, and write down what changes."),
    ];
    let mut extra = filler.iter();
    while words(&paragraphs.join("\n\n")) < POST_MIN_WORDS {
        match extra.next() {
            Some(f) => paragraphs.insert(paragraphs.len() - 1, f.clone()),
            None => break,
        }
    }
    let mut body = paragraphs.join("\n\n");
    while words(&body) > POST_MAX_WORDS && paragraphs.len() > 3 {
        paragraphs.remove(1);
        body = paragraphs.join("\n\n");
    }
    if words(&body) > POST_MAX_WORDS {
        body = first_words(&body, POST_MAX_WORDS);
    }
    let call_to_action = match ask.goal.as_str() {
        "leads" => format!(
            "If {} is on your list this quarter, send me a message and we will compare notes.",
            lower_first(topic)
        ),
        "thought_leadership" => format!("Follow for more on {} in {industry}.", lower_first(topic)),
        _ => format!(
            "What is your take on {}? Tell me in the comments.",
            lower_first(topic)
        ),
    };
    let goal_tag = match ask.goal.as_str() {
        "leads" => "#Sales",
        "thought_leadership" => "#ThoughtLeadership",
        _ => "#Community",
    };
    let candidates = style
        .hashtags
        .iter()
        .cloned()
        // Phrases of up to three words make a hashtag; of a longer topic, its long words do.
        .chain(
            [industry, audience, topic]
                .into_iter()
                .filter(|s| s.split_whitespace().count() <= 3)
                .filter_map(hashtag),
        )
        .chain(
            topic
                .split_whitespace()
                .filter(|w| w.chars().filter(|c| c.is_alphanumeric()).count() >= 6)
                .filter_map(hashtag),
        )
        .chain(std::iter::once(goal_tag.to_string()))
        .chain(
            [
                "#Leadership",
                "#Strategy",
                "#Growth",
                "#Business",
                "#Innovation",
                "#Learning",
                "#Teamwork",
            ]
            .map(String::from),
        );
    let mut hashtags = unique_tags(candidates);
    hashtags.truncate(8);
    let total = words(&hook) + words(&body) + words(&call_to_action);
    Post {
        hook,
        body,
        call_to_action,
        hashtags,
        reading_minutes: reading_minutes(total),
        note: Some(TEMPLATE_NOTE.into()),
    }
}

/// An uploaded author's style read from their posts, without AI: length, openings, paragraphs,
/// emoji and hashtags. Answers the words and the style's traits.
pub fn local_style(name: &str, posts: &[String]) -> (String, Vec<String>, bool) {
    if posts.is_empty() {
        return (format!("{name} has no posts yet."), Vec::new(), false);
    }
    let n = posts.len();
    let avg_words = posts.iter().map(|p| words(p)).sum::<usize>() / n;
    let questions = posts
        .iter()
        .filter(|p| {
            p.lines()
                .find(|l| !l.trim().is_empty())
                .is_some_and(|l| l.trim_end().ends_with('?'))
        })
        .count();
    let paragraphs = posts
        .iter()
        .map(|p| p.split("\n\n").filter(|s| !s.trim().is_empty()).count())
        .sum::<usize>()
        / n;
    let emoji = posts
        .iter()
        .filter(|p| p.chars().any(|c| (c as u32) >= 0x1F300))
        .count();
    let mut counts: std::collections::BTreeMap<String, (usize, String)> = Default::default();
    for p in posts {
        for w in p.split_whitespace().filter(|w| w.starts_with('#')) {
            if let Some(tag) = hashtag(w) {
                counts.entry(tag.to_lowercase()).or_insert((0, tag)).0 += 1;
            }
        }
    }
    let mut tags: Vec<(usize, String)> = counts.into_values().collect();
    tags.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let tags: Vec<String> = tags.into_iter().take(5).map(|(_, t)| t).collect();
    let opens_with_question = questions * 2 >= n;
    let words_of = format!(
        "{name}'s posts run about {avg_words} words in {paragraphs} paragraph{}; {questions} of {n} open with a question; {}{}",
        if paragraphs == 1 { "" } else { "s" },
        if emoji == 0 { "no emoji".to_string() } else { format!("emoji in {emoji} of {n}") },
        if tags.is_empty() { ".".to_string() } else { format!("; favourite hashtags {}.", tags.join(" ")) },
    );
    (words_of, tags, opens_with_question)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary() -> Summary {
        Summary {
            name: Some("Acme Roasters".into()),
            what: Some("We roast speciality coffee for offices and cafés across Romania.".into()),
            products: vec!["Office subscriptions".into()],
            news: vec!["New: our Cluj roastery opens in March 2026".into()],
            tone: None,
        }
    }

    #[test]
    fn words_are_runs_with_a_letter_or_digit() {
        assert_eq!(words("Hi Ana, — this is 1 test!"), 6);
        assert_eq!(words("   "), 0);
        assert_eq!(first_words("one two three four", 2), "one two…");
        assert_eq!(first_words("one two", 5), "one two");
        assert_eq!(reading_minutes(0), 1);
        assert_eq!(reading_minutes(201), 2);
    }

    #[test]
    fn the_local_email_keeps_to_100_words_whatever_it_is_given() {
        let long = "word ".repeat(400);
        for tone in TONES {
            let ask = EmailAsk {
                sender_name: "Dan Pop".into(),
                sender_profile: format!(
                    "I led sales at three SaaS companies and grew revenue 40% in 2024. {long}"
                ),
                recipient_name: "Ana Ionescu".into(),
                recipient_role: "Head of Operations".into(),
                company_url: "https://acme.example/".into(),
                tone: tone.into(),
                goal: format!("book a 15-minute call next week {long}"),
                pain_point: format!("slow deliveries {long}"),
                ..Default::default()
            };
            let e = local_email(&ask, &summary(), &[summary()]);
            assert!(
                words(&e.body) <= EMAIL_MAX_WORDS,
                "{tone}: {}",
                words(&e.body)
            );
            assert!(
                email_problems(&e).is_empty(),
                "{tone}: {:?}",
                email_problems(&e)
            );
            assert!(e.body.contains("Dan Pop") || words(&e.body) == EMAIL_MAX_WORDS);
            assert!(e.note.is_some());
        }
        let short = EmailAsk {
            sender_name: "Dan".into(),
            sender_profile: "I build delivery software.".into(),
            recipient_name: "Ana".into(),
            recipient_role: "COO".into(),
            company_url: "https://acme.example/".into(),
            tone: "friendly".into(),
            goal: "a short call".into(),
            ..Default::default()
        };
        let e = local_email(&short, &summary(), &[]);
        assert!(e.body.starts_with("Hi Ana,"), "{}", e.body);
        assert!(e.body.contains("Cluj roastery"), "{}", e.body);
        assert!(
            e.body.contains("About me: I build delivery software."),
            "{}",
            e.body
        );
        assert!(e.body.ends_with("Thanks,\nDan"), "{}", e.body);
        assert_eq!(e.subject, "Acme Roasters and Office subscriptions");
        assert!(e.tone_analysis.starts_with("Asked for: friendly."));
    }

    #[test]
    fn the_local_post_keeps_its_word_and_hashtag_limits_in_every_style() {
        let references = vec![("https://acme.example/".to_string(), summary())];
        for (key, _, _) in PRESETS {
            for (goal, _) in GOALS {
                for topic in [
                    "AI",
                    "Supply chain resilience for small online shops in winter",
                ] {
                    let ask = PostAsk {
                        topic: topic.into(),
                        industry: "Retail".into(),
                        audience: "store owners".into(),
                        goal: goal.into(),
                        style: format!("preset:{key}"),
                        references: vec![],
                    };
                    let style = Style {
                        preset: Some(key),
                        ..Default::default()
                    };
                    let p = local_post(&ask, &style, &references);
                    assert!(
                        post_problems(&p).is_empty(),
                        "{key}/{goal}/{topic}: {:?}",
                        post_problems(&p)
                    );
                    assert!(p
                        .hashtags
                        .iter()
                        .all(|t| t.starts_with('#') && !t.contains(' ')));
                }
            }
        }
    }

    #[test]
    fn answers_outside_the_limits_are_named() {
        let mut p = Post {
            hook: "Hook".into(),
            body: "word ".repeat(149),
            call_to_action: "Go".into(),
            hashtags: vec!["#A".into(); 6],
            reading_minutes: 1,
            note: None,
        };
        assert_eq!(post_problems(&p).len(), 2);
        p.body = "word ".repeat(201);
        p.hashtags = vec!["#A".into(); 11];
        assert_eq!(post_problems(&p).len(), 2);
        p.body = "word ".repeat(200);
        p.hashtags = vec!["#A".into(); 7];
        assert!(post_problems(&p).is_empty());
        let e = Email {
            subject: "S".into(),
            body: "word ".repeat(101),
            value_propositions: vec![],
            tone_analysis: String::new(),
            note: None,
        };
        assert_eq!(
            email_problems(&e),
            ["the body has 101 words; it must have at most 100"]
        );
        assert_eq!(hashtag("supply chain"), Some("#SupplyChain".into()));
        assert_eq!(hashtag("#b2b"), Some("#B2b".into()));
        assert_eq!(hashtag("—"), None);
    }

    #[test]
    fn an_authors_style_is_read_from_their_posts() {
        let posts = vec![
            "Ever shipped on a Friday?\n\nWe did. #DevOps #Shipping".to_string(),
            "What makes a team fast?\n\nTrust. #Teams #DevOps".to_string(),
            "Notes from the week. 🚀 #DevOps".to_string(),
        ];
        let (words_of, tags, question) = local_style("Ana", &posts);
        assert_eq!(tags[0], "#DevOps");
        assert!(question);
        assert!(
            words_of.contains("2 of 3 open with a question"),
            "{words_of}"
        );
        assert!(words_of.contains("emoji in 1 of 3"), "{words_of}");
    }
}
