//! The local extractor measured on the generated corpus (tests/corpus): 540 reports over the
//! three test types and four languages, written as PDFs with a real text layer and read back
//! through `pdftotext -layout` as the analysis job reads them. Asserts the floors reached, so
//! the extractor never regresses; `bench/extraction.sh` prints the whole table.

mod corpus;

use futures_util::{stream, StreamExt};
use server::analyses::{local::extract, pdf, Thresholds};

use corpus::score::Scores;

const SEED: u64 = 20_261_202;
const REPORTS: usize = 540;

/// Floors: never a wrong value given as confident; every stated field read this often; the
/// verdict on what was read agrees with the verdict on the truth this often.
const PRECISION: f64 = 1.0;
const RECALL: f64 = 0.95;
const VERDICT: f64 = 0.98;

async fn text_layers(reports: &[corpus::Report]) -> Vec<Vec<String>> {
    let dir = tempfile::tempdir().expect("temp dir");
    let limits = pdf::Limits::default();
    stream::iter(reports.iter())
        .map(|r| {
            let path = dir.path().join(format!("report-{}.pdf", r.id));
            let limits = &limits;
            async move {
                tokio::fs::write(&path, corpus::pdf::text_pdf(r))
                    .await
                    .expect("write the report");
                pdf::text(&path, r.pages.len() as u32, limits)
                    .await
                    .expect("pdftotext reads the report")
            }
        })
        .buffered(4)
        .collect()
        .await
}

#[test]
fn the_corpus_is_the_same_for_the_same_seed() {
    let a = corpus::generate(7, 30);
    let b = corpus::generate(7, 30);
    assert_eq!(
        a.iter().map(|r| r.plain()).collect::<Vec<_>>(),
        b.iter().map(|r| r.plain()).collect::<Vec<_>>()
    );
    let c = corpus::generate(8, 30);
    assert_ne!(a[0].plain(), c[0].plain());
    // Every test type and language is there.
    let all = corpus::generate(SEED, REPORTS);
    for t in server::analyses::TestType::ALL {
        for l in corpus::Lang::ALL {
            assert!(
                all.iter().filter(|r| r.test == t && r.lang == l).count() >= 40,
                "{t:?} {l:?}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_local_extractor_reads_what_the_corpus_text_layer_states() {
    assert!(
        pdf::tools_available(),
        "poppler-utils (scripts/setup.sh installs it)"
    );
    let reports = corpus::generate(SEED, REPORTS);
    let texts = text_layers(&reports).await;
    let thresholds = Thresholds::neta();
    let mut scores = Scores::default();
    for (r, text) in reports.iter().zip(&texts) {
        scores.add(r, &extract(text, r.order), &thresholds);
    }
    println!(
        "{}",
        scores.table(&format!(
            "Local extractor, text layer: {REPORTS} reports, seed {SEED}"
        ))
    );
    // CORPUS_DUMP=<id>: the text layer of one report as the extractor sees it.
    if let Some(id) = std::env::var("CORPUS_DUMP")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        for (i, page) in texts[id].iter().enumerate() {
            println!("--- report {id}, page {}\n{page}", i + 1);
        }
        let got = extract(&texts[id], reports[id].order);
        println!(
            "--- read\n{}",
            serde_json::to_string_pretty(&got).expect("json")
        );
    }
    if std::env::var_os("CORPUS_MISSES").is_some() {
        for m in &scores.misses {
            println!("{m}");
        }
    }
    let mut low = Vec::new();
    for ((test, path), t) in &scores.fields {
        if t.precision() < PRECISION {
            low.push(format!("{test} {path}: precision {:.3}", t.precision()));
        }
        if t.stated > 0 && t.recall() < RECALL {
            low.push(format!("{test} {path}: recall {:.3}", t.recall()));
        }
    }
    for (test, (a, n)) in &scores.verdicts {
        if (*a as f64) < VERDICT * *n as f64 {
            low.push(format!("{test}: verdict agreement {a}/{n}"));
        }
    }
    assert!(
        low.is_empty(),
        "below the floors:\n{}\nfirst misses:\n{}",
        low.join("\n"),
        scores
            .misses
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
