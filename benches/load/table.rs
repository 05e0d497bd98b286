//! Markdown tables on standard output, and the number formats the figures use.

/// A Markdown table: first column left-aligned, the others right-aligned.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column titles.
    pub fn new(header: &[&str]) -> Self {
        Table {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row (missing cells are blank).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// A row of a figure table (figure, value, target, verdict) without a target.
    pub fn fact(&mut self, figure: &str, value: impl Into<String>) {
        self.row(vec![figure.into(), value.into()]);
    }

    /// A row of a figure table with its target and whether it was met.
    pub fn against(&mut self, figure: &str, value: impl Into<String>, target: &str, met: bool) {
        self.row(vec![
            figure.into(),
            value.into(),
            target.into(),
            verdict(met),
        ]);
    }

    /// Prints the table, padded so it also reads as plain text.
    pub fn print(&self) {
        let width = |i: usize| {
            self.rows
                .iter()
                .filter_map(|r| r.get(i))
                .chain(std::iter::once(&self.header[i]))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(3)
                .max(3)
        };
        let widths: Vec<usize> = (0..self.header.len()).map(width).collect();
        let line = |cells: &[String]| {
            let padded: Vec<String> = widths
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    let cell = cells.get(i).map_or("", String::as_str);
                    if i == 0 {
                        format!("{cell:<w$}")
                    } else {
                        format!("{cell:>w$}")
                    }
                })
                .collect();
            println!("| {} |", padded.join(" | "));
        };
        line(&self.header);
        let rule: Vec<String> = widths
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let dashes = "-".repeat(w.saturating_sub(1));
                if i == 0 {
                    format!("-{dashes}")
                } else {
                    format!("{dashes}:")
                }
            })
            .collect();
        println!("| {} |", rule.join(" | "));
        for row in &self.rows {
            line(row);
        }
        println!();
    }
}

/// `1234567` as `1,234,567`.
pub fn count(n: f64) -> String {
    let digits = format!("{:.0}", n.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0.0 {
        format!("-{out}")
    } else {
        out
    }
}

/// Seconds as milliseconds, 2 decimals (3 below 1 ms, 4 below 0.1 ms).
pub fn ms(seconds: f64) -> String {
    let ms = seconds * 1000.0;
    if ms < 0.1 {
        // A cost per check: four decimals, so builds measured in turn can be told apart.
        format!("{ms:.4} ms")
    } else if ms < 1.0 {
        format!("{ms:.3} ms")
    } else {
        format!("{ms:.2} ms")
    }
}

/// KiB (as /proc reports memory) in megabytes (10^6 bytes), 1 decimal.
pub fn mb(kib: u64) -> String {
    format!("{:.1} MB", kib as f64 * 1024.0 / 1e6)
}

/// A percentage, 1 decimal.
pub fn percent(p: f64) -> String {
    format!("{p:.1} %")
}

/// `ok` or `MISSED` against a target.
pub fn verdict(met: bool) -> String {
    if met { "ok" } else { "MISSED" }.to_string()
}
