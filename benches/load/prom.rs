//! Reads the Prometheus text format Watchpost serves at `/metrics`: samples by name and labels,
//! and histograms, whose quantiles come from the difference of two scrapes.

use crate::Result;

/// One sample line.
struct Sample {
    name: String,
    labels: Vec<(String, String)>,
    value: f64,
}

/// One scrape of `/metrics`.
pub struct Scrape {
    samples: Vec<Sample>,
}

impl Scrape {
    /// Parses the exposition text; a malformed line fails naming its number.
    pub fn parse(text: &str) -> Result<Self> {
        let samples = text
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty() && !line.starts_with('#'))
            .map(|(i, line)| {
                sample(line).ok_or_else(|| format!("/metrics line {}: {line:?}", i + 1))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Scrape { samples })
    }

    /// The sample `name` whose labels include `labels`; fails naming the metric when absent.
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> Result<f64> {
        self.samples
            .iter()
            .find(|s| s.name == name && has(&s.labels, labels))
            .map(|s| s.value)
            .ok_or_else(|| missing(name, labels))
    }

    /// Every sample of `name`, with the value of its label `label`.
    pub fn by_label<'a>(
        &'a self,
        name: &'a str,
        label: &'a str,
    ) -> impl Iterator<Item = (&'a str, f64)> + 'a {
        self.samples
            .iter()
            .filter(move |s| s.name == name)
            .filter_map(move |s| {
                let value = s.labels.iter().find(|(k, _)| k == label)?;
                Some((value.1.as_str(), s.value))
            })
    }

    /// Conclusive and inconclusive cycles: `watchpost_checks_total` by result.
    pub fn checks(&self) -> Result<Checks> {
        let by = |result| self.value("watchpost_checks_total", &[("result", result)]);
        Ok(Checks {
            up: by("up")?,
            down: by("down")?,
            inconclusive: by("inconclusive")?,
        })
    }

    /// The histogram `name` (`_bucket{le}`, `_sum`, `_count`).
    pub fn histogram(&self, name: &str) -> Result<Histogram> {
        let bucket = format!("{name}_bucket");
        let mut buckets: Vec<(f64, f64)> = self
            .by_label(&bucket, "le")
            .map(|(le, count)| {
                let bound = if le == "+Inf" {
                    Ok(f64::INFINITY)
                } else {
                    le.parse()
                };
                bound
                    .map(|b| (b, count))
                    .map_err(|_| format!("{bucket}: bad le {le:?}"))
            })
            .collect::<Result<_>>()?;
        if buckets.last().is_none_or(|(b, _)| b.is_finite()) {
            return Err(missing(&bucket, &[("le", "+Inf")]));
        }
        buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
        Ok(Histogram {
            buckets,
            sum: self.value(&format!("{name}_sum"), &[])?,
            count: self.value(&format!("{name}_count"), &[])?,
        })
    }
}

/// Cycle counts by result.
#[derive(Clone, Copy, Debug)]
pub struct Checks {
    /// Up.
    pub up: f64,
    /// Down.
    pub down: f64,
    /// Inconclusive (not stored).
    pub inconclusive: f64,
}

impl Checks {
    /// Cycles that produce a row (up and down).
    pub fn conclusive(&self) -> f64 {
        self.up + self.down
    }

    /// Every cycle.
    pub fn all(&self) -> f64 {
        self.conclusive() + self.inconclusive
    }
}

/// A Prometheus histogram: cumulative counts per upper bound (`+Inf` last), sum and count.
#[derive(Clone, Debug)]
pub struct Histogram {
    buckets: Vec<(f64, f64)>,
    sum: f64,
    count: f64,
}

impl Histogram {
    /// The observations made since `earlier` (a scrape of the same histogram).
    pub fn since(&self, earlier: &Histogram) -> Result<Histogram> {
        let bounds = |h: &Histogram| h.buckets.iter().map(|b| b.0).collect::<Vec<_>>();
        if bounds(self) != bounds(earlier) {
            return Err("the histogram's buckets changed between two scrapes".into());
        }
        Ok(Histogram {
            buckets: (self.buckets.iter().zip(&earlier.buckets))
                .map(|(now, then)| (now.0, now.1 - then.1))
                .collect(),
            sum: self.sum - earlier.sum,
            count: self.count - earlier.count,
        })
    }

    /// Mean observation (None without observations).
    pub fn mean(&self) -> Option<f64> {
        (self.count > 0.0).then(|| self.sum / self.count)
    }

    /// The upper bound of the bucket holding the `q` quantile (infinite when it is the `+Inf`
    /// bucket; None without observations).
    pub fn quantile_bound(&self, q: f64) -> Option<f64> {
        let total = self.buckets.last()?.1;
        if total <= 0.0 {
            return None;
        }
        let rank = (q * total).ceil();
        self.buckets
            .iter()
            .find(|(_, cumulative)| *cumulative >= rank)
            .map(|(bound, _)| *bound)
    }
}

fn has(labels: &[(String, String)], wanted: &[(&str, &str)]) -> bool {
    wanted
        .iter()
        .all(|(k, v)| labels.iter().any(|(lk, lv)| lk == k && lv == v))
}

fn missing(name: &str, labels: &[(&str, &str)]) -> String {
    let labels: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
    format!(
        "metric {name}{{{}}} is missing from /metrics: this watchpost build does not expose it",
        labels.join(",")
    )
}

/// `name{k="v",...} value [timestamp]`, label values with `\\`, `\"` and `\n` escapes.
fn sample(line: &str) -> Option<Sample> {
    let name_end = line.find(|c: char| c == '{' || c.is_whitespace())?;
    let name = line[..name_end].to_string();
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(inner) = rest.strip_prefix('{') {
        let (parsed, after) = label_set(inner)?;
        labels = parsed;
        rest = after;
    }
    let value = match rest.split_whitespace().next()? {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        v => v.parse().ok()?,
    };
    Some(Sample {
        name,
        labels,
        value,
    })
}

/// Labels up to the closing brace; returns them and the text after the brace.
fn label_set(mut s: &str) -> Option<(Vec<(String, String)>, &str)> {
    let mut labels = Vec::new();
    loop {
        s = s.trim_start_matches([',', ' ']);
        if let Some(after) = s.strip_prefix('}') {
            return Some((labels, after));
        }
        let (key, after) = s.split_once("=\"")?;
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next()? {
                (i, '"') => break i,
                (_, '\\') => match chars.next()?.1 {
                    'n' => value.push('\n'),
                    other => value.push(other),
                },
                (_, c) => value.push(c),
            }
        };
        labels.push((key.trim().to_string(), value));
        s = &after[end + 1..];
    }
}
