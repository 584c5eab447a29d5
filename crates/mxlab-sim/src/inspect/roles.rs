//! What a host is for in its scenario's DNS, as the drawing labels it:
//! `MX of example.org (pref 10)`, `backup MX (pref 20)`.

use crate::scenario::Scenario;

/// The MX role of host `name`: for each domain whose MX records name it,
/// `MX (pref 10)` when it is the most preferred exchange, `backup MX
/// (pref 20)` when a more preferred one exists; the first such domain
/// counts. `None` for a host no MX record names.
pub fn mx_label(scenario: &Scenario, name: &str) -> Option<String> {
    scenario.dns.domains.iter().find_map(|d| {
        let own =
            d.mx.iter()
                .find(|m| m.exchange.trim_end_matches('.').eq_ignore_ascii_case(name))?;
        let best = d.mx.iter().map(|m| m.preference).min()?;
        Some(if own.preference > best {
            format!("backup MX (pref {})", own.preference)
        } else {
            format!("MX (pref {})", own.preference)
        })
    })
}
