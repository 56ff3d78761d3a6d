//! A component's table as aligned text, for the text part: four columns (the first two to the
//! left, the others to the right), then labelled rows whose amount lines up under the last column
//! and whose label runs across the others, some above a rule under the amounts, some below it.

/// The table's lines, each ending in a line break.
pub fn aligned(lines: &[[String; 4]], above_rule: &[(String, String)], below_rule: &[(String, String)]) -> String {
    let mut widths = [0usize; 4];
    for line in lines {
        for (width, cell) in widths.iter_mut().zip(line) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let amounts = above_rule.iter().chain(below_rule).map(|(_, amount)| amount.chars().count());
    widths[3] = amounts.fold(widths[3], usize::max);
    let row_width = widths.iter().sum::<usize>() + 6;
    let labelled = |(label, amount): &(String, String)| {
        let label_width = row_width.saturating_sub(widths[3] + 2).max(label.chars().count());
        format!("{label:<label_width$}  {amount:>w$}\n", w = widths[3])
    };
    let mut text = String::new();
    for line in lines {
        let row = format!(
            "{:<w0$}  {:<w1$}  {:>w2$}  {:>w3$}",
            line[0],
            line[1],
            line[2],
            line[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
            w3 = widths[3]
        );
        text.push_str(row.trim_end());
        text.push('\n');
    }
    above_rule.iter().for_each(|row| text.push_str(&labelled(row)));
    text.push_str(&format!("{:>row_width$}\n", "-".repeat(widths[3])));
    below_rule.iter().for_each(|row| text.push_str(&labelled(row)));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_line_up_under_the_last_column() {
        let lines = [
            ["Invoice".to_string(), "Due".into(), "Overdue".into(), "Amount due".into()],
            ["INV-1".into(), "5/11/2026".into(), "3 days".into(), "NZD 5.00".into()],
        ];
        let text =
            aligned(&lines, &[("Credit".into(), "NZD -1.00".into())], &[("Total".into(), "NZD 1,004.00".into())]);
        let expected = [
            "Invoice  Due        Overdue    Amount due",
            "INV-1    5/11/2026   3 days      NZD 5.00",
            "Credit                          NZD -1.00",
            "                             ------------",
            "Total                        NZD 1,004.00",
        ];
        assert_eq!(text, expected.map(|line| format!("{line}\n")).concat());
    }
}
