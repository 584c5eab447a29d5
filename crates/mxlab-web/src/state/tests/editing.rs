//! The console, the scenario's editors and files, and the stage's
//! dragging and zoom.

use super::*;

#[test]
fn the_console_talks_smtp_and_its_mail_forks_the_run() {
    let mut s = ready("hello-smtp");
    let _ = s.reduce(Action::Tab(Tab::Console));
    let _ = s.reduce(Action::ConsoleHost("mx.example.org".into()));
    let _ = s.reduce(Action::ConsoleOpen);
    assert!(s.console.connected());
    let greeting = s.console.lines().lines().nth(1).cloned().unwrap();
    assert_eq!(greeting.0, 'S');
    assert!(greeting.1.starts_with("220 "), "{greeting:?}");
    for line in [
        "HELO student.example",
        "MAIL FROM:<student@student.example>",
        "RCPT TO:<bob@example.org>",
        "DATA",
        "Subject: hi",
        "",
        "hello",
        ".",
    ] {
        assert_eq!(
            s.reduce(Action::ConsoleInput(line.into())),
            Outcome::unchanged(),
            "typing draws nothing"
        );
        let _ = s.reduce(Action::ConsoleSend);
        assert!(s.console.input.is_empty());
    }
    let lines: Vec<_> = s.console.lines().lines().cloned().collect();
    assert!(
        lines
            .iter()
            .any(|(w, t)| *w == '#' && t.contains("queued it as console-1")),
        "{lines:?}"
    );
    let job = s.job.clone().expect("the run forks");
    assert!(matches!(&job.kind, JobKind::Fork { new, .. }
        if matches!(&new[0].what, Injected::Message { id, .. } if id == "console-1")));
    settle(&mut s);
    let _ = s.reduce(Action::ConsoleInput("QUIT".into()));
    let _ = s.reduce(Action::ConsoleSend);
    assert!(!s.console.connected());
    let _ = s.reduce(Action::ConsoleInput("NOOP".into()));
    let _ = s.reduce(Action::ConsoleSend);
    let last = s.console.lines().lines().last().cloned().unwrap();
    assert_eq!(last.0, '!');
}

#[test]
fn a_relay_refusal_in_the_console_names_the_relay_rule() {
    let mut s = ready("hello-smtp");
    let _ = s.reduce(Action::ConsoleHost("smtp.example.com".into()));
    let _ = s.reduce(Action::ConsoleOpen);
    for line in [
        "EHLO student.example",
        "MAIL FROM:<s@student.example>",
        "RCPT TO:<bob@example.org>",
    ] {
        let _ = s.reduce(Action::ConsoleInput(line.into()));
        let _ = s.reduce(Action::ConsoleSend);
    }
    let lines: Vec<_> = s.console.lines().lines().cloned().collect();
    let refused = lines
        .iter()
        .position(|(w, t)| *w == 'S' && t.starts_with("554 5.7.1 "))
        .unwrap();
    let (who, why) = &lines[refused + 1];
    assert_eq!(*who, '#');
    assert!(why.starts_with("why: smtp.example.com relays only for the hosts in policy.relay.allow_from (alice-laptop.example.com)"), "{why}");
}

#[test]
fn the_console_refuses_a_down_host_and_overlong_lines() {
    let mut s = ready("hello-smtp");
    let out = s.reduce(Action::Refused(Field::Console, MAX_CONSOLE_LINE + 1));
    assert_eq!(out.effects, vec![Effect::RestoreField(Field::Console)]);
    assert!(s.error.take().is_some(), "no session: the banner says it");
    let _ = s.reduce(Action::Inject(mx_down("mx.example.org")));
    settle(&mut s);
    let _ = s.reduce(Action::ConsoleOpen);
    assert_eq!(
        s.console.host, "mx.example.org",
        "the default host is the MX"
    );
    assert!(!s.console.connected());
    let last = s.console.lines().lines().last().cloned().unwrap();
    assert!(last.1.contains("Connection refused"), "{last:?}");
    let _ = s.reduce(Action::Refused(Field::Console, MAX_CONSOLE_LINE + 1));
    assert!(s.error.is_none(), "the console's log says it");
    let _ = s.reduce(Action::ConsoleHost("nowhere.example".into()));
    let _ = s.reduce(Action::ConsoleOpen);
    assert!(s.error.unwrap().contains("no host named nowhere.example"));
}

#[test]
fn the_scenario_tab_makes_its_editor_once() {
    let mut s = ready("hello-smtp");
    assert_eq!(
        *s.form,
        serde_json::Value::Null,
        "not made for a closed panel"
    );
    let _ = s.reduce(Action::Tab(Tab::Scenario));
    assert!(s.form.is_object());
    let _ = s.reduce(Action::FormMode(false));
    assert!(!s.form_mode);
    let version = s.json_version;
    assert!(s.json.contains("\"nodes\""));
    let _ = s.reduce(Action::Tab(Tab::Transcript));
    let _ = s.reduce(Action::Tab(Tab::Scenario));
    assert_eq!(s.json_version, version, "the text is kept");
}

#[test]
fn applying_json_loads_a_valid_text_and_lists_an_invalid_ones_problems() {
    let mut s = ready("hello-smtp");
    let _ = s.reduce(Action::Tab(Tab::Scenario));
    let _ = s.reduce(Action::FormMode(false));
    let text = s.json.replace("\"hello", "\"edited hello");
    assert_eq!(s.reduce(Action::EditJson(text)), Outcome::unchanged());
    let version = s.json_version;
    let _ = s.reduce(Action::ApplyJson);
    assert_eq!(s.preset, "custom");
    assert!(s.computing());
    assert_eq!(s.json_version, version, "the author's text stays as typed");
    assert!(s.problems.is_empty());

    let _ = s.reduce(Action::EditJson("{\"nodes\": 3}".into()));
    let _ = s.reduce(Action::Tab(Tab::Transcript));
    let _ = s.reduce(Action::ApplyJson);
    assert_eq!(s.tab, Tab::Scenario);
    assert!(!s.problems.is_empty());
    assert!(s.error.unwrap().starts_with("the scenario has "));
}

#[test]
fn text_over_the_limit_is_refused_and_the_field_put_back() {
    let mut s = ready("hello-smtp");
    let out = s.reduce(Action::EditJson("x".repeat(MAX_TEXT + 1)));
    assert_eq!(out.effects, vec![Effect::RestoreField(Field::Json)]);
    assert!(s.error.take().is_some());
    assert!(s.json.len() <= MAX_TEXT);
    let out = s.reduce(Action::Refused(Field::Json, MAX_TEXT + 5));
    assert_eq!(out.effects, vec![Effect::RestoreField(Field::Json)]);
    assert!(s.error.is_some());
}

#[test]
fn a_big_text_is_shown_only_when_asked_again_after_leaving_the_tab() {
    let mut s = ready("hello-smtp");
    let _ = s.reduce(Action::ShowBigJson);
    assert!(s.big_json_shown);
    let _ = s.reduce(Action::Tab(Tab::Queues));
    assert!(!s.big_json_shown);
}

#[test]
fn an_imported_file_is_validated_and_loaded() {
    let mut s = ready("hello-smtp");
    let text = preset_scenario("mx-fallback").unwrap().to_json();
    let _ = s.reduce(Action::Imported(Ok(text.clone())));
    assert_eq!(s.preset, "custom");
    assert_eq!(&*s.json, text);
    settle(&mut s);
    assert_eq!(s.run.as_ref().unwrap().scenario.nodes.len(), 5);
    let _ = s.reduce(Action::Imported(Err("unreadable".into())));
    assert_eq!(
        s.error.as_deref(),
        Some("could not read the file: unreadable")
    );
}

#[test]
fn the_form_edits_applies_and_resets_its_draft() {
    let mut s = ready("hello-smtp");
    let _ = s.reduce(Action::Tab(Tab::Scenario));
    let _ = s.reduce(Action::Form(FormMsg::Set(
        "/name".into(),
        Some(serde_json::json!("renamed")),
    )));
    assert_eq!(s.form["name"], "renamed");
    let _ = s.reduce(Action::Form(FormMsg::Reset));
    assert_eq!(s.form["name"], serde_json::json!(s.scenario.name));
    let hosts = s.form["nodes"].as_array().unwrap().len();
    let first = s.form["nodes"][0].clone();
    let _ = s.reduce(Action::Form(FormMsg::Add("/nodes".into(), first)));
    assert_eq!(s.form["nodes"].as_array().unwrap().len(), hosts + 1);
    let _ = s.reduce(Action::Form(FormMsg::Remove("/nodes".into(), hosts)));
    assert_eq!(s.form["nodes"].as_array().unwrap().len(), hosts);
    let _ = s.reduce(Action::Form(FormMsg::Set(
        "/name".into(),
        Some(serde_json::json!("renamed")),
    )));
    let _ = s.reduce(Action::Form(FormMsg::Apply));
    assert_eq!(s.scenario.name, "renamed");
    assert_eq!(s.preset, "custom");
    let _ = s.reduce(Action::FormMode(false));
    assert!(s.json.contains("\"renamed\""));
}

#[test]
fn dragging_moves_a_host_or_pans_and_zoom_is_bounded() {
    let mut s = ready("hello-smtp");
    assert_eq!(s.reduce(Action::DragMove(1.0, 1.0)), Outcome::unchanged());
    assert_eq!(s.reduce(Action::DragEnd), Outcome::unchanged());
    let _ = s.reduce(Action::DragStart("mx.example.org".into()));
    let _ = s.reduce(Action::PanStart);
    let _ = s.reduce(Action::DragMove(123.0, 99_999.0));
    let p = s.stage.positions["mx.example.org"];
    assert_eq!((p.x, p.y), (123.0, s.stage.height - 10.0));
    assert!(s.reduce(Action::DragEnd).redraw);
    let _ = s.reduce(Action::PanStart);
    let _ = s.reduce(Action::DragMove(100.0, 100.0));
    let _ = s.reduce(Action::DragMove(110.0, 90.0));
    assert_eq!(s.stage.pan, (-10.0, 10.0));
    let _ = s.reduce(Action::DragEnd);
    for _ in 0..20 {
        let _ = s.reduce(Action::Zoom(1.25));
    }
    assert_eq!(s.stage.zoom, 4.0);
    let _ = s.reduce(Action::ResetView);
    assert_eq!((s.stage.zoom, s.stage.pan), (1.0, (0.0, 0.0)));
    assert_ne!(s.stage.positions["mx.example.org"].x, 123.0);
}

#[test]
fn the_transcript_lists_the_console_session_and_shows_it_at_its_moment() {
    let mut s = ready("hello-smtp");
    assert!(!s.console.in_transcript, "no console session yet");
    let _ = s.reduce(Action::ConsoleTranscript);
    assert!(!s.console.in_transcript, "nothing to show");
    let _ = s.reduce(Action::ConsoleOpen);
    assert!(s.console.in_transcript, "a fresh console session is shown");
    // The clock moves on: the transcript follows the run's action again.
    let _ = s.reduce(Action::StepForward);
    assert!(!s.console.in_transcript);
    // Picked by hand, it stays whatever the clock does.
    let _ = s.reduce(Action::ConsoleTranscript);
    assert!(s.console.in_transcript);
    assert_eq!(s.tab, Tab::Transcript);
    let _ = s.reduce(Action::StepForward);
    assert!(s.console.in_transcript);
    // A session of the run picked by hand replaces it.
    let conn = s.run.as_ref().unwrap().sessions[0].conn;
    let _ = s.reduce(Action::Session(conn));
    assert!(!s.console.in_transcript);
    assert_eq!(s.session, Some(conn));
}

#[test]
fn a_narrow_screen_lays_the_hosts_out_in_rows_and_a_wide_one_in_columns() {
    let mut s = ready("mx-fallback");
    let wide = s.stage.clone();
    assert!(!wide.narrow);
    assert_eq!(s.reduce(Action::Narrow(false)), Outcome::unchanged());
    let _ = s.reduce(Action::Zoom(2.0));
    assert!(s.reduce(Action::Narrow(true)).redraw);
    let (_, _, w, h) = s.stage.view_box();
    assert!(h > w, "portrait: {w} × {h}");
    assert_eq!(s.stage.zoom, 1.0, "laid out afresh");
    let p = &s.stage.positions;
    // Senders above destinations, the resolver on top.
    assert!(p["alice-laptop.example.com"].y < p["smtp.example.com"].y);
    assert!(p["smtp.example.com"].y < p["mx1.example.org"].y);
    assert!(p["resolver.example.net"].y < p["alice-laptop.example.com"].y);
    // A host dragged stays within the narrow stage.
    let _ = s.reduce(Action::DragStart("mx1.example.org".into()));
    let _ = s.reduce(Action::DragMove(99_999.0, 1.0));
    assert_eq!(s.stage.positions["mx1.example.org"].x, s.stage.width - 10.0);
    let _ = s.reduce(Action::DragEnd);
    let _ = s.reduce(Action::Narrow(false));
    assert_eq!(s.stage.positions, wide.positions);
    assert_eq!(s.stage.view_box(), wide.view_box());
}
