//! Drawing the network from the palette, deleting what is selected, and
//! undoing and redoing scenario edits.

use super::*;
use crate::draw::Edit;

fn draw(s: &mut State, m: DrawMsg) {
    act(s, Action::Draw(m));
}

/// Reduces `a`, and computes the run it asks for.
fn act(s: &mut State, a: Action) {
    let _ = s.reduce(a);
    settle(s);
}

/// Picks `role` in the palette and releases the pointer at (x, y).
fn place(s: &mut State, role: Role, x: f64, y: f64) -> String {
    draw(s, DrawMsg::Tool(Tool::Place(role)));
    draw(s, DrawMsg::Release(x, y, None));
    match &s.selection {
        Some(Selection::Host(h)) => h.clone(),
        other => panic!("the new host is selected, not {other:?}"),
    }
}

/// Presses on `a` with the connect tool and releases on `b`.
fn connect(s: &mut State, a: &str, b: &str) {
    act(s, Action::DragStart(a.into()));
    draw(s, DrawMsg::Release(0.0, 0.0, Some(b.into())));
    act(s, Action::DragEnd);
}

/// A new network drawn by gestures only: three hosts and a resolver,
/// connected, example.org's MX dropped on the MX host.
fn drawn() -> State {
    let mut s = ready("hello-smtp");
    draw(&mut s, DrawMsg::New);
    assert!(s.scenario.nodes.is_empty());
    assert_eq!(s.preset, "custom");
    let mua = place(&mut s, Role::Mua, 120.0, 200.0);
    let smtp = place(&mut s, Role::Submission, 400.0, 200.0);
    let mx = place(&mut s, Role::Mx, 800.0, 210.0);
    place(&mut s, Role::Resolver, 500.0, 60.0);
    draw(&mut s, DrawMsg::Tool(Tool::Connect));
    connect(&mut s, &mua, &smtp);
    connect(&mut s, &smtp, &mx);
    assert_eq!(s.draw.tool, Tool::Connect, "connecting goes on until Esc");
    draw(&mut s, DrawMsg::Tool(Tool::Mx("example.org".into())));
    draw(&mut s, DrawMsg::Release(0.0, 0.0, Some(mx.clone())));
    assert_eq!(s.draw.tool, Tool::Pointer);
    s
}

#[test]
fn a_network_drawn_with_the_palette_runs_and_keeps_its_places() {
    let s = drawn();
    assert_eq!(s.scenario.nodes.len(), 4);
    assert_eq!(s.scenario.links.len(), 2);
    let run = s.run.as_ref().expect("the run is recomputed");
    assert_eq!(run.summary.delivered, 1);
    // Each host stays where it was placed.
    let at = |h: &str| s.stage.positions.get(h).copied();
    assert_eq!(at("mua1.example.com"), Some(Point { x: 120.0, y: 200.0 }));
    assert_eq!(at("mx1.example.org"), Some(Point { x: 800.0, y: 210.0 }));
    assert_eq!(
        s.draw.note.as_deref(),
        Some("mx1.example.org is now an MX of example.org")
    );
}

#[test]
fn the_json_view_follows_the_drawing() {
    let mut s = drawn();
    act(&mut s, Action::FormMode(false));
    act(&mut s, Action::Tab(Tab::Scenario));
    let shown = Scenario::from_json(&s.json).unwrap();
    assert_eq!(shown, *s.scenario);
    let version = s.json_version;
    place(&mut s, Role::Relay, 600.0, 300.0);
    assert!(s.json_version > version);
    assert!(s.json.contains("relay1.example.net"));
}

#[test]
fn a_refused_gesture_is_said_and_changes_nothing() {
    let mut s = drawn();
    let before = s.scenario.clone();
    draw(&mut s, DrawMsg::Tool(Tool::Mx("example.org".into())));
    draw(
        &mut s,
        DrawMsg::Release(0.0, 0.0, Some("mua1.example.com".into())),
    );
    assert!(Rc::ptr_eq(&before, &s.scenario));
    assert!(s
        .draw
        .note
        .as_deref()
        .is_some_and(|n| n.contains("no SMTP port")));
    // A host pressed with the connect tool, released on nothing: no link.
    draw(&mut s, DrawMsg::Tool(Tool::Connect));
    act(&mut s, Action::DragStart("mua1.example.com".into()));
    assert_eq!(s.draw.from.as_deref(), Some("mua1.example.com"));
    assert_eq!(s.stage.drag, None, "connecting does not move the host");
    draw(&mut s, DrawMsg::Release(10.0, 10.0, None));
    assert_eq!(s.draw.from, None);
    assert!(Rc::ptr_eq(&before, &s.scenario));
    // Released on the host it started from: waits for a click on another.
    act(&mut s, Action::DragStart("mua1.example.com".into()));
    draw(
        &mut s,
        DrawMsg::Release(0.0, 0.0, Some("mua1.example.com".into())),
    );
    assert_eq!(s.draw.from.as_deref(), Some("mua1.example.com"));
    act(&mut s, Action::DragStart("mx1.example.org".into()));
    draw(
        &mut s,
        DrawMsg::Release(0.0, 0.0, Some("mx1.example.org".into())),
    );
    assert_eq!(s.scenario.links.len(), 3);
    // Esc puts the pointer back.
    act(&mut s, Action::Key("Escape".into()));
    assert_eq!(s.draw.tool, Tool::Pointer);
}

#[test]
fn placing_on_a_host_places_nothing_and_the_pointer_still_drags() {
    let mut s = drawn();
    draw(&mut s, DrawMsg::Tool(Tool::Place(Role::Mx)));
    draw(
        &mut s,
        DrawMsg::Release(800.0, 210.0, Some("mx1.example.org".into())),
    );
    assert_eq!(s.scenario.nodes.len(), 4);
    draw(&mut s, DrawMsg::Tool(Tool::Pointer));
    act(&mut s, Action::DragStart("mx1.example.org".into()));
    assert_eq!(s.stage.drag, Some(Drag::Host("mx1.example.org".into())));
}

#[test]
fn delete_removes_the_record_the_host_or_the_link_selected() {
    let mut s = drawn();
    // Nothing selected: nothing deleted.
    act(&mut s, Action::Select(None));
    let before = s.scenario.clone();
    draw(&mut s, DrawMsg::Delete);
    assert!(Rc::ptr_eq(&before, &s.scenario));
    // The record first, while one is selected.
    draw(
        &mut s,
        DrawMsg::Record(Some(("example.org".into(), "mx1.example.org".into()))),
    );
    assert_eq!(s.selection, None);
    act(&mut s, Action::Key("Delete".into()));
    settle(&mut s);
    assert!(
        crate::draw::mx_of(&s.scenario, "mx1.example.org").is_empty(),
        "{:?}",
        s.draw.note
    );
    assert_eq!(s.draw.record, None);
    act(
        &mut s,
        Action::Select(Some(Selection::Link(
            "mua1.example.com".into(),
            "smtp1.example.com".into(),
        ))),
    );
    act(&mut s, Action::Key("Backspace".into()));
    settle(&mut s);
    assert_eq!(s.scenario.links.len(), 1);
    assert_eq!(s.scenario.nodes[0].policy.relay.smarthost, None);
    act(
        &mut s,
        Action::Select(Some(Selection::Host("smtp1.example.com".into()))),
    );
    draw(&mut s, DrawMsg::Delete);
    assert_eq!(s.scenario.nodes.len(), 3);
    assert_eq!(s.selection, None);
}

#[test]
fn an_edited_link_stays_selected_with_its_numbers() {
    let mut s = drawn();
    let link = Selection::Link("mua1.example.com".into(), "smtp1.example.com".into());
    act(&mut s, Action::Select(Some(link.clone())));
    draw(
        &mut s,
        DrawMsg::Edit(Edit::SetLink(
            "mua1.example.com".into(),
            "smtp1.example.com".into(),
            300,
            20,
            0.1,
        )),
    );
    assert_eq!(s.selection, Some(link));
    let l = crate::draw::link_of(&s.scenario, "mua1.example.com", "smtp1.example.com").unwrap();
    assert_eq!((l.latency_ms, l.jitter_ms, l.loss), (300, 20, 0.1));
    // Not a number: the validator's words, nothing changed.
    let before = s.scenario.clone();
    draw(
        &mut s,
        DrawMsg::Edit(Edit::SetLink(
            "mua1.example.com".into(),
            "smtp1.example.com".into(),
            300,
            20,
            f64::NAN,
        )),
    );
    assert!(Rc::ptr_eq(&before, &s.scenario));
    assert!(s
        .draw
        .note
        .as_deref()
        .is_some_and(|n| n.contains("probability")));
}

#[test]
fn undo_and_redo_walk_the_edits_with_their_places() {
    let mut s = drawn();
    let full = s.scenario.clone();
    assert!(s.draw.can_undo() && !s.draw.can_redo());
    act(&mut s, Action::Undo);
    settle(&mut s);
    // The MX record undone; the hosts where they were.
    assert!(crate::draw::mx_of(&s.scenario, "mx1.example.org").is_empty());
    assert_eq!(
        s.stage.positions.get("mx1.example.org").copied(),
        Some(Point { x: 800.0, y: 210.0 })
    );
    assert!(s.draw.can_redo());
    act(&mut s, Action::Key("Redo".into()));
    settle(&mut s);
    assert_eq!(*s.scenario, *full);
    assert_eq!(s.run.as_ref().map(|r| r.summary.delivered), Some(1));
    // Back to the preset, past every edit and the new network.
    for _ in 0..9 {
        act(&mut s, Action::Key("Undo".into()));
        settle(&mut s);
    }
    assert_eq!(s.preset, "hello-smtp");
    assert!(!s.draw.can_undo());
    act(&mut s, Action::Undo);
    assert_eq!(s.preset, "hello-smtp", "nothing more to undo");
    // A new edit drops what was undone.
    act(&mut s, Action::Redo);
    settle(&mut s);
    assert!(s.draw.can_redo());
    act(&mut s, Action::Preset("mx-fallback".into()));
    settle(&mut s);
    assert!(!s.draw.can_redo());
    act(&mut s, Action::Undo);
    settle(&mut s);
    assert_eq!(s.scenario.nodes.len(), 0);
}

#[test]
fn applying_json_is_an_edit_to_undo_and_the_history_is_bounded() {
    let mut s = ready("hello-smtp");
    act(&mut s, Action::FormMode(false));
    act(&mut s, Action::Tab(Tab::Scenario));
    let text = s.json.replace("\"Hello SMTP\"", "\"Edited\"");
    act(&mut s, Action::EditJson(text));
    act(&mut s, Action::ApplyJson);
    settle(&mut s);
    assert_eq!(s.scenario.name, "Edited");
    act(&mut s, Action::Undo);
    settle(&mut s);
    assert_eq!(s.scenario.name, "Hello SMTP");
    assert_eq!(s.preset, "hello-smtp");
    assert!(s.json.contains("\"Hello SMTP\""), "the JSON view follows");
    for _ in 0..UNDO_DEPTH + 10 {
        act(&mut s, Action::Draw(DrawMsg::New));
    }
    let mut undone = 0;
    while s.draw.can_undo() {
        act(&mut s, Action::Undo);
        undone += 1;
    }
    assert_eq!(undone, UNDO_DEPTH);
}

#[test]
fn an_embed_keeps_delete_and_undo_keys_to_itself() {
    let (mut s, _) = started(Options {
        scenario: Some("hello-smtp".into()),
        embed: true,
        ..Options::default()
    });
    settle(&mut s);
    act(
        &mut s,
        Action::Select(Some(Selection::Host("mx.example.org".into()))),
    );
    assert_eq!(s.reduce(Action::Key("Delete".into())), Outcome::unchanged());
    assert_eq!(s.reduce(Action::Key("Undo".into())), Outcome::unchanged());
    assert_eq!(s.scenario.nodes.len(), 4);
}

#[test]
fn from_the_keyboard_a_role_is_added_where_the_layout_puts_it_and_enter_connects() {
    let mut s = drawn();
    draw(&mut s, DrawMsg::Tool(Tool::Place(Role::Relay)));
    draw(&mut s, DrawMsg::Add(Role::Relay));
    assert_eq!(s.draw.tool, Tool::Pointer);
    assert_eq!(
        s.selection,
        Some(Selection::Host("relay1.example.net".into()))
    );
    assert!(s.stage.positions.contains_key("relay1.example.net"));
    // The hosts placed by hand stay where they were.
    assert_eq!(
        s.stage.positions.get("mua1.example.com").copied(),
        Some(Point { x: 120.0, y: 200.0 })
    );
    // Enter on a host is a press and a release on it: once on the first,
    // once on the second.
    draw(&mut s, DrawMsg::Tool(Tool::Connect));
    for h in ["smtp1.example.com", "relay1.example.net"] {
        act(&mut s, Action::Select(Some(Selection::Host(h.into()))));
        act(&mut s, Action::DragStart(h.into()));
        draw(&mut s, DrawMsg::Release(0.0, 0.0, Some(h.into())));
        act(&mut s, Action::DragEnd);
    }
    assert!(crate::draw::link_of(&s.scenario, "smtp1.example.com", "relay1.example.net").is_some());
    assert_eq!(
        s.scenario.nodes[1].policy.relay.smarthost.as_deref(),
        Some("relay1.example.net")
    );
}
