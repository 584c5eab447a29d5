//! The form's sections: the scenario's numbers, its hosts (each showing
//! only the fields its role uses), DNS records (each MX record a
//! preference and a host picked from the scenario's), messages and
//! faults. Wherever a host is named, it is picked from a menu of the
//! scenario's hosts (of the roles that fit), not typed.

use mxlab_sim::Problem;
use serde_json::{json, Value};
use yew::prelude::*;

use super::{Form, FormMsg, Kind};

const ROLES: &[&str] = &["mua", "submission", "relay", "mx", "resolver"];
const STATUS: &[&str] = &["ok", "nxdomain", "servfail", "timeout"];
const FAULTS: &[&str] = &mxlab_sim::scenario::FAULT_KINDS;
const STAGES: &[&str] = &["", "connect", "helo", "mail", "rcpt", "data", "end_of_data"];

/// Hosts that listen for SMTP (what a smarthost or an MX can be).
const SERVERS: &[&str] = &["submission", "relay", "mx"];
/// Any host.
const ANY: &[&str] = &[];

/// Which of a host's fields its role uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Uses {
    /// Destination domains and mailboxes (an MX host).
    pub mailboxes: bool,
    /// A smarthost (a MUA, a submission server, a relay).
    pub smarthost: bool,
    /// Sending straight to the MX (a MUA).
    pub direct: bool,
    /// Relay rules: for hosts, for domains.
    pub relay: bool,
    /// The server's numbers: size limit, TLS, greylisting, hop limit.
    pub server: bool,
}

/// The fields `role` uses (every field for a role not known yet, so the
/// loader's problem shows beside what is there).
pub(super) fn uses(role: &str) -> Uses {
    let all = Uses {
        mailboxes: true,
        smarthost: true,
        direct: false,
        relay: true,
        server: true,
    };
    match role {
        "mua" => Uses {
            mailboxes: false,
            smarthost: true,
            direct: true,
            relay: false,
            server: false,
        },
        "resolver" => Uses {
            mailboxes: false,
            smarthost: false,
            direct: false,
            relay: false,
            server: false,
        },
        "submission" | "relay" => Uses {
            mailboxes: false,
            ..all
        },
        _ => all,
    }
}

/// The form over `draft`, with `problems` next to their fields.
pub fn view(draft: &Value, problems: &[Problem], on: &Callback<FormMsg>) -> Html {
    let f = Form {
        draft,
        problems,
        on,
    };
    let hosts = f.rows("Hosts", "/nodes", "Add host", json!({"name": "new.example.org", "role": "mx"}), |p, _| {
        let role = draft.pointer(&format!("{p}/role")).and_then(Value::as_str).unwrap_or("");
        let u = uses(role);
        html! {
            <>
                { f.field("name", format!("{p}/name"), Kind::Text) }
                { f.field("role", format!("{p}/role"), Kind::Choice(ROLES)) }
                { f.field("addresses", format!("{p}/addresses"), Kind::List) }
                if u.mailboxes {
                    { f.field("destination domains", format!("{p}/policy/destination_domains"), Kind::List) }
                    { f.field("mailboxes", format!("{p}/policy/mailboxes"), Kind::Mailboxes) }
                }
                if u.smarthost {
                    { f.field("smarthost", format!("{p}/policy/relay/smarthost"), Kind::Host(SERVERS)) }
                }
                if u.direct {
                    { f.field("straight to the MX", format!("{p}/policy/relay/direct_to_mx"), Kind::Bool) }
                }
                if u.relay {
                    { f.field("relay for hosts", format!("{p}/policy/relay/allow_from"), Kind::List) }
                    { f.field("relay for domains", format!("{p}/policy/relay/domains"), Kind::List) }
                }
                if u.server {
                    { f.field("size limit (bytes)", format!("{p}/policy/size_limit"), Kind::Number) }
                    { f.field("STARTTLS", format!("{p}/policy/starttls"), Kind::Bool) }
                    { f.field("TLS required", format!("{p}/policy/tls_required"), Kind::Bool) }
                    { f.field("greylisting (s)", format!("{p}/policy/greylisting/delay_secs"), Kind::Number) }
                    { f.field("hop limit", format!("{p}/policy/hop_limit"), Kind::Number) }
                    { f.field("DKIM-sign (domain:selector)", format!("{p}/policy/auth/dkim_sign"), Kind::Signers) }
                    { f.field("check SPF, DKIM, DMARC", format!("{p}/policy/auth/verify"), Kind::Bool) }
                    { f.field("forward with SRS", format!("{p}/policy/auth/srs"), Kind::Bool) }
                }
            </>
        }
    });
    let dns = f.rows(
        "DNS records",
        "/dns/domains",
        "Add domain",
        json!({"name": "example.net"}),
        |p, _| {
            let mx = f.rows(
                "MX records",
                &format!("{p}/mx"),
                "Add MX",
                json!({"preference": 10, "exchange": ""}),
                |q, _| {
                    html! {
                        <>
                            { f.field("preference", format!("{q}/preference"), Kind::Number) }
                            { f.field("exchange", format!("{q}/exchange"), Kind::Host(SERVERS)) }
                        </>
                    }
                },
            );
            html! {
                <>
                    { f.field("name", format!("{p}/name"), Kind::Text) }
                    { mx }
                    { f.field("A", format!("{p}/a"), Kind::List) }
                    { f.field("AAAA", format!("{p}/aaaa"), Kind::List) }
                    { f.field("TXT (one per line)", format!("{p}/txt"), Kind::Lines) }
                    { f.field("status", format!("{p}/status"), Kind::Choice(STATUS)) }
                </>
            }
        },
    );
    let messages = f.rows(
        "Messages",
        "/messages",
        "Add message",
        json!({"id": "new", "from": "", "at_secs": 0, "mail_from": "", "rcpt_to": [], "body": "Hello\r\n"}),
        |p, _| {
            html! {
                <>
                    { f.field("id", format!("{p}/id"), Kind::Text) }
                    { f.field("from (MUA)", format!("{p}/from"), Kind::Host(&["mua"])) }
                    { f.field("at (s)", format!("{p}/at_secs"), Kind::Number) }
                    { f.field("MAIL FROM", format!("{p}/mail_from"), Kind::Text) }
                    { f.field("RCPT TO", format!("{p}/rcpt_to"), Kind::List) }
                    { f.field("body", format!("{p}/body"), Kind::Long) }
                </>
            }
        },
    );
    let faults = f.rows(
        "Faults",
        "/faults",
        "Add fault",
        json!({"at_secs": 0, "fault": {"kind": "host_down", "host": ""}}),
        |p, _| {
            html! {
                <>
                    { f.field("from (s)", format!("{p}/at_secs"), Kind::Number) }
                    { f.field("until (s)", format!("{p}/until_secs"), Kind::Number) }
                    { f.field("kind", format!("{p}/fault/kind"), Kind::Choice(FAULTS)) }
                    { f.field("host", format!("{p}/fault/host"), Kind::Host(ANY)) }
                    { f.field("stage", format!("{p}/fault/stage"), Kind::Choice(STAGES)) }
                    { f.field("code", format!("{p}/fault/code"), Kind::Number) }
                </>
            }
        },
    );
    let apply = on.reform(|_: MouseEvent| FormMsg::Apply);
    let reset = on.reform(|_: MouseEvent| FormMsg::Reset);
    html! {
        <form class="scenario-form" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}>
            <div class="row top">
                { f.field("title", "/name".into(), Kind::Text) }
                { f.field("horizon (s)", "/horizon_secs".into(), Kind::Number) }
                { f.field("seed", "/seed".into(), Kind::Number) }
                { f.field("resolver", "/dns/resolver".into(), Kind::Host(&["resolver"])) }
            </div>
            { hosts }
            { dns }
            { messages }
            { faults }
            <div class="form-actions">
                <button type="button" class="apply" onclick={apply}>{ "Validate and run" }</button>
                <button type="button" onclick={reset}>{ "Reset" }</button>
            </div>
        </form>
    }
}
