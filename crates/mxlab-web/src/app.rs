//! The app's shell: it owns the [`State`], hands each [`Action`] to its
//! reducer, carries out the [`Effect`]s the reducer asks for (the share
//! link made and read, the address bar, focus, bounded fields), reads
//! files, writes the clipboard and makes downloads, and lays the page out
//! from the components.
//! The state is kept in place rather than copied at each action: the
//! console's server session is one of a kind, and the frames change it
//! sixty times a second.

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::bounds::{self, MAX_CONSOLE_LINE, MAX_TEXT};
use crate::components::panels::{ConsoleLines, Panels, Transcript};
use crate::components::{
    export, Background, Banner, ByPtr, Choices, ConsolePart, EventsPart, Export, Header, HelpPart,
    LadderPart, Lazy, MessagesPart, PacketInfo, Palette, QueuesPart, ScenarioPart, SharePart,
    SidePanel, Stage, StatisticsPart, Transport,
};
use crate::guard::{field_length, Guard};
use crate::options::{encode_component, Options};
use crate::share;
use crate::state::{Action, Effect, Field, Outcome, Selection, State, Tab};
use crate::version_line;

/// What the shell is told: an action for the state, or work for the
/// browser.
pub enum Msg {
    /// An action for the reducer.
    Act(Action),
    /// A file was chosen to import: read it.
    ReadFile(web_sys::File),
    /// Download the scenario, the trace or the transcripts.
    Export(Export),
    /// Copy the text of the field with this id to the clipboard.
    Copy(AttrValue),
}

/// Whether this build has the app's own page (feature `page`); without it
/// (the script-tag package) every instance is an embed.
const PAGE: bool = cfg!(feature = "page");

/// The app's properties: how it starts.
#[derive(Properties, PartialEq, Default)]
pub struct AppProps {
    /// Start-up options (the page's query and hash, or `mount()`'s).
    #[prop_or_default]
    pub options: Rc<Options>,
}

/// The MX Lab app.
pub struct App {
    state: State,
    /// Where the components send their actions (one callback, so their
    /// properties stay equal from one redraw to the next).
    dispatch: Callback<Action>,
    on_export: Callback<Export>,
    on_file: Callback<web_sys::File>,
    on_copy: Callback<AttrValue>,
    shell_ref: NodeRef,
    /// Focus goes to the fault menu after the next redraw.
    focus_fault_menu: bool,
    /// The share dialog's choices, kept while it is closed.
    share_choices: Rc<Cell<Choices>>,
    /// A file being read, kept until it calls back.
    reader: Option<gloo::file::callbacks::FileReader>,
    /// Whether the parts (panels in modules of their own) are being fetched.
    prefetching: bool,
    _guard: Option<Guard>,
}

impl App {
    /// Carries out what the reducer asked for; whether to draw again.
    fn perform(&mut self, ctx: &Context<Self>, outcome: Outcome) -> bool {
        for effect in outcome.effects {
            match effect {
                Effect::RestoreField(field) => self.restore_field(field),
                Effect::FocusFaultMenu => self.focus_fault_menu = true,
                Effect::MakeShareLink(shared) => ctx.link().send_future(async move {
                    let made = match crate::components::parts::ensure_writer().await {
                        Ok(w) => share::encode(&shared, &(w.scenario_json)(&shared.scenario))
                            .await
                            .map_err(|e| e.to_string()),
                        Err(_) => Err("the module that writes links could not be fetched \
                                       (is the connection down?)"
                            .to_owned()),
                    };
                    Msg::Act(Action::ShareReady(made))
                }),
                Effect::ShowHash(hash) => {
                    if let Ok(history) = gloo::utils::window().history() {
                        let _ = history.replace_state_with_url(
                            &wasm_bindgen::JsValue::NULL,
                            "",
                            Some(&format!("#{hash}")),
                        );
                    }
                }
                Effect::DrawWhenWritten(m) => ctx.link().send_future(async move {
                    match crate::components::parts::ensure_writer().await {
                        Ok(_) => Msg::Act(Action::Draw(m)),
                        Err(_) => Msg::Act(Action::Error(
                            "the drawing could not be changed: the module that edits scenarios \
                             could not be fetched (is the connection down?)"
                                .to_owned(),
                        )),
                    }
                }),
                Effect::DecodeLink(hash) => ctx.link().send_future(async move {
                    Msg::Act(Action::LinkDecoded(
                        share::decode(&hash)
                            .await
                            .map(Box::new)
                            .map_err(|e| e.to_string()),
                    ))
                }),
            }
        }
        outcome.redraw
    }

    /// Puts a bounded field back as the state holds it, should a refused
    /// text have reached it.
    fn restore_field(&self, field: Field) {
        let opts = &self.state.opts;
        let (id, max, value) = match field {
            Field::Json => (opts.id("scenario-json"), MAX_TEXT, &*self.state.json),
            Field::Console => (
                opts.id("console-input"),
                MAX_CONSOLE_LINE,
                self.state.console.input.as_str(),
            ),
        };
        let Some(el) = gloo::utils::document().get_element_by_id(&id) else {
            return;
        };
        if field_length(&el) <= max {
            return;
        }
        if let Some(area) = el.dyn_ref::<HtmlTextAreaElement>() {
            area.set_value(value);
        } else if let Some(input) = el.dyn_ref::<HtmlInputElement>() {
            input.set_value(value);
        }
    }

    /// Marks that tools and tests read: the module initialised, whether a
    /// run is being computed, and how many runs finished. On the
    /// instance's element, and on the page's body for the app's page.
    fn mark(&self) {
        let state = if self.state.computing() {
            "computing"
        } else {
            "ready"
        };
        let runs = self.state.runs_done.to_string();
        let mut marked: Vec<web_sys::Element> = self
            .shell_ref
            .cast::<web_sys::Element>()
            .into_iter()
            .collect();
        if !self.state.opts.contained {
            marked.extend(gloo::utils::document().body().map(web_sys::Element::from));
        }
        for el in marked {
            let _ = el.set_attribute("data-mxlab-ready", "true");
            let _ = el.set_attribute("data-mxlab-state", state);
            let _ = el.set_attribute("data-mxlab-runs", &runs);
        }
    }

    /// The details of the packet clicked, if one was.
    fn packet(&self) -> Option<Rc<mxlab_sim::inspect::LineDetails>> {
        let s = &self.state;
        s.packet
            .and_then(|i| s.run.as_ref()?.line_details(i))
            .map(Rc::new)
    }

    /// The stage (which shows a clicked packet's details itself when it
    /// is embedded: the app shows them beside it).
    fn stage(&self) -> Html {
        let s = &self.state;
        html! {
            <Stage run={s.run.as_ref().map(ByPtr::from)} scenario={ByPtr::from(&s.scenario)} view={ByPtr::from(&s.view)}
                t={s.clock.t} layout={s.stage.clone()} selection={s.selection.clone()}
                packet={if s.opts.embed { self.packet() } else { None }}
                console={s.console.connected().then(|| AttrValue::from(s.console.host.clone()))}
                skip={s.clock.skip.filter(|_| s.clock.playing).map(|k| AttrValue::from(k.label()))}
                caption={s.run.as_ref().and_then(|r| r.caption(s.clock.t)).map(AttrValue::from)}
                computing={s.computing().then_some(s.progress)} presenter={s.presenter} dark={s.dark}
                wheel_zoom={!s.opts.embed} dispatch={self.dispatch.clone()}
                toolbar={if s.opts.embed || !PAGE { html! {} } else { self.palette() }}
                tool={AttrValue::from(s.draw.tool.name())} link_from={s.draw.from.clone().map(AttrValue::from)} />
        }
    }

    /// The palette over the stage.
    fn palette(&self) -> Html {
        let s = &self.state;
        let d = &s.draw;
        html! {
            <Palette scenario={ByPtr::from(&s.scenario)} tool={d.tool.clone()} from={d.from.clone().map(AttrValue::from)}
                selection={s.selection.clone()} record={d.record.clone().map(|(a, b)| (AttrValue::from(a), AttrValue::from(b)))}
                note={d.note.clone().map(AttrValue::from)} can_undo={d.can_undo()} can_redo={d.can_redo()}
                dispatch={self.dispatch.clone()} />
        }
    }

    /// The transport.
    fn transport(&self) -> Html {
        let s = &self.state;
        html! {
            <Transport run={s.run.as_ref().map(ByPtr::from)} clock={s.clock} dispatch={self.dispatch.clone()} />
        }
    }

    /// The console's session, as the Transcript and the Events list it.
    fn console_lines(&self) -> Option<ConsoleLines> {
        let s = &self.state;
        s.console.session.as_ref().map(|c| ConsoleLines {
            host: c.host.clone().into(),
            at: c.at,
            lines: c.lines.clone(),
            shown: s.console.in_transcript,
        })
    }

    /// The Transcript (or On the wire) panel.
    fn transcript(&self, wire: bool) -> Html {
        let s = &self.state;
        match &s.run {
            Some(run) => html! {
                <Transcript run={ByPtr::from(run)} session={s.session} t={s.clock.t} wire={wire}
                    console={self.console_lines()}
                    dispatch={self.dispatch.clone()} />
            },
            None => html! {},
        }
    }

    /// The Ladder panel: the selected message's journey (in an embed
    /// with nothing selected, the scenario's first message), or session.
    fn ladder(&self) -> Html {
        let s = &self.state;
        let message = s.message.clone().or_else(|| {
            s.opts
                .embed
                .then(|| s.scenario.messages.first().map(|m| m.id.clone()))
                .flatten()
        });
        match &s.run {
            Some(run) => html! {
                <Lazy<LadderPart> run={ByPtr::from(run)} session={s.session} message={message.map(AttrValue::from)}
                    t={s.clock.t} dispatch={self.dispatch.clone()} />
            },
            None => html! {},
        }
    }

    /// The open panel.
    fn panel(&self) -> Html {
        let s = &self.state;
        let d = &self.dispatch;
        match s.tab {
            Tab::Transcript => self.transcript(false),
            Tab::Wire => self.transcript(true),
            Tab::Events => match &s.run {
                Some(run) => html! {
                    <Lazy<EventsPart> run={ByPtr::from(run)} t={s.clock.t} classes={s.event_classes} console={self.console_lines()} dispatch={d.clone()} />
                },
                None => html! {},
            },
            Tab::Queues => html! { <Lazy<QueuesPart> view={ByPtr::from(&s.view)} t={s.clock.t} /> },
            Tab::Messages => match &s.run {
                Some(run) => html! {
                    <Lazy<MessagesPart> run={ByPtr::from(run)} view={ByPtr::from(&s.view)} t={s.clock.t}
                        message={s.message.clone().map(AttrValue::from)} dispatch={d.clone()} />
                },
                None => html! {},
            },
            Tab::Ladder => self.ladder(),
            Tab::Statistics => match &s.run {
                Some(run) => html! {
                    <Lazy<StatisticsPart> run={ByPtr::from(run)} t={s.clock.t} presenter={s.presenter} dispatch={d.clone()} />
                },
                None => html! {},
            },
            Tab::Sweep => self.sweep(),
            Tab::Console => html! {
                <Lazy<ConsolePart> scenario={ByPtr::from(&s.scenario)} host={AttrValue::from(s.console.host.clone())}
                    input={AttrValue::from(s.console.input.clone())} lines={s.console.lines()}
                    connected={s.console.connected()} input_id={s.opts.id("console-input")} dispatch={d.clone()} />
            },
            Tab::Scenario => html! {
                <Lazy<ScenarioPart> json={ByPtr::from(&s.json)} json_version={s.json_version} big_json_shown={s.big_json_shown}
                    form={s.form.clone()} form_mode={s.form_mode} problems={s.problems.clone()}
                    json_id={s.opts.id("scenario-json")} problems_id={s.opts.id("scenario-problems")}
                    on_file={self.on_file.clone()} on_export={self.on_export.clone()} dispatch={d.clone()} />
            },
        }
    }

    /// The Sweep panel.
    #[cfg(feature = "sweeps")]
    fn sweep(&self) -> Html {
        use crate::components::{Lazy, SweepPart};
        let s = &self.state;
        let sweep = &s.sweep;
        let result = sweep.result.as_ref();
        html! {
            <Lazy<SweepPart> seeds={AttrValue::from(sweep.seeds.clone())} status={sweep.status()}
                report={result.and_then(|r| r.report.as_ref()).map(ByPtr::from)}
                done={result.map_or(0, |r| r.done)} asked={result.map_or(0, |r| r.asked)}
                other_scenario={result.is_some_and(|r| !Rc::ptr_eq(&r.scenario, &s.scenario))}
                label={AttrValue::from(s.sweep_label())} title={AttrValue::from(s.scenario.name.clone())}
                editor_problems={!s.problems.is_empty()} note={sweep.note.clone()} seeds_id={s.opts.id("sweep-seeds")}
                on_export={self.on_export.clone()} dispatch={self.dispatch.clone()} />
        }
    }

    /// No Sweep panel in a build without the sweep worker.
    #[cfg(not(feature = "sweeps"))]
    fn sweep(&self) -> Html {
        html! {}
    }

    /// The lesson and the fault menu.
    fn side(&self) -> Html {
        let s = &self.state;
        let (down, faulty) = match &s.selection {
            Some(Selection::Host(h)) => (s.host_down(h), false),
            Some(Selection::Link(a, b)) => (false, s.link_faulty(a, b)),
            None => (false, false),
        };
        html! {
            <SidePanel scenario={ByPtr::from(&s.scenario)} selection={s.selection.clone()} down={down} faulty={faulty}
                t={s.clock.t} force_code={s.force_code} force_stage={s.force_stage}
                can_restore={!s.branches.is_empty()} first_id={s.opts.id("fault-menu-first")} dispatch={self.dispatch.clone()}>
                if let Some(p) = self.packet() {
                    <PacketInfo details={p} dispatch={self.dispatch.clone()} />
                }
            </SidePanel>
        }
    }

    /// The share dialog.
    fn share(&self) -> Html {
        let s = &self.state;
        let unchanged =
            s.preset != "custom" && s.run.as_ref().is_none_or(|r| r.injections.is_empty());
        // In a slot of its own: while its part loads, that state shows where the dialog will.
        html! { <div class="dialog-slot">
            <Lazy<SharePart> hash={s.share_link.clone().map(AttrValue::from)}
                unchanged_preset={unchanged.then(|| AttrValue::from(s.preset.clone()))}
                title={AttrValue::from(s.scenario.name.clone())} t={s.clock.t} link_id={s.opts.id("share-link")}
                embed_id={s.opts.id("embed-code")} element_id={s.opts.id("element-code")} on_export={self.on_export.clone()} on_copy={self.on_copy.clone()} dispatch={self.dispatch.clone()}
                remembered={self.share_choices.clone()} />
        </div> }
    }

    /// An embedded instance: the scenario's title, and the stage, the
    /// transcript or both.
    fn embedded(&self, root: Classes, banner: Html, background: Html) -> Html {
        let s = &self.state;
        let opts = &s.opts;
        let view = opts.view;
        let title = if s.scenario.name.is_empty() {
            "MX Lab".to_string()
        } else {
            s.scenario.name.clone()
        };
        html! {
            <div class={root} ref={self.shell_ref.clone()} role="region" aria-label={format!("MX Lab: {title}")}
                tabindex={opts.contained.then_some("0")} data-view={view.name()}>
                <div class="embed-bar">
                    <h1>{ title }</h1>
                    if !opts.contained {
                        <a href={format!("./?scenario={}", encode_component(
                            opts.link.as_deref().or(opts.scenario.as_deref()).unwrap_or(&s.preset)))}
                            target="_blank" rel="noopener">{ "Open in MX Lab ↗" }</a>
                    }
                </div>
                { banner }
                if view.stage() {
                    <div class="workspace">{ self.stage() }</div>
                }
                { self.transport() }
                if view.transcript() {
                    <section class="panels">
                        <div role="tabpanel" aria-label="Transcript">{ self.transcript(false) }</div>
                    </section>
                }
                if view.ladder() {
                    <section class="panels">
                        <div role="tabpanel" aria-label="Ladder">{ self.ladder() }</div>
                    </section>
                }
                { background }
            </div>
        }
    }
}

/// Copies the text of the field `id` to the clipboard, and selects it.
fn copy_field(id: &str) {
    let el = gloo::utils::document().get_element_by_id(id);
    let text = el
        .as_ref()
        .and_then(|e| e.dyn_ref::<HtmlInputElement>().map(HtmlInputElement::value))
        .or_else(|| {
            el.as_ref().and_then(|e| {
                e.dyn_ref::<HtmlTextAreaElement>()
                    .map(HtmlTextAreaElement::value)
            })
        })
        .unwrap_or_default();
    let _ = gloo::utils::window()
        .navigator()
        .clipboard()
        .write_text(&text);
    if let Some(i) = el.as_ref().and_then(|e| e.dyn_ref::<HtmlInputElement>()) {
        i.select();
    }
    if let Some(t) = el.as_ref().and_then(|e| e.dyn_ref::<HtmlTextAreaElement>()) {
        t.select();
    }
}

impl Component for App {
    type Message = Msg;
    type Properties = AppProps;

    fn create(ctx: &Context<Self>) -> Self {
        // The system's preference until the toggle is used.
        let dark = gloo::utils::window()
            .match_media("(prefers-color-scheme: dark)")
            .ok()
            .flatten()
            .is_some_and(|m| m.matches());
        let (state, outcome) = State::new(ctx.props().options.clone(), dark);
        let link = ctx.link();
        let mut app = App {
            state,
            dispatch: link.callback(Msg::Act),
            on_export: link.callback(Msg::Export),
            on_file: link.callback(Msg::ReadFile),
            on_copy: link.callback(Msg::Copy),
            shell_ref: NodeRef::default(),
            focus_fault_menu: false,
            share_choices: Rc::default(),
            prefetching: false,
            reader: None,
            _guard: None,
        };
        let _ = app.perform(ctx, outcome);
        app
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Self::Message) -> bool {
        match msg {
            Msg::Act(action) => {
                let outcome = self.state.reduce(action);
                self.perform(ctx, outcome)
            }
            Msg::ReadFile(file) => {
                // Measured before a byte of it is read.
                let what = format!("the file {}", file.name());
                if let Some(e) = bounds::text_too_large(&what, file.size() as usize) {
                    let outcome = self.state.reduce(Action::Error(e));
                    return self.perform(ctx, outcome);
                }
                let link = ctx.link().clone();
                let file = gloo::file::File::from(file);
                self.reader = Some(gloo::file::callbacks::read_as_text(&file, move |r| {
                    link.send_message(Msg::Act(Action::Imported(r.map_err(|e| e.to_string()))));
                }));
                false
            }
            Msg::Copy(id) => {
                copy_field(&id);
                false
            }
            Msg::Export(what) => match export(&self.state, what, self.console_lines().as_ref()) {
                Ok(()) => false,
                Err(e) => {
                    let outcome = self.state.reduce(Action::Error(e));
                    self.perform(ctx, outcome)
                }
            },
        }
    }

    fn rendered(&mut self, ctx: &Context<Self>, first_render: bool) {
        if first_render {
            // Bounded fields refuse what would overflow them, measured in
            // the page (see `guard`).
            let root: Option<web_sys::EventTarget> = self.shell_ref.get().map(Into::into);
            if let Some(root) = root {
                let link = ctx.link().clone();
                self._guard = Some(Guard::new(&root, move |field, len| {
                    let field = if field == "console" {
                        Field::Console
                    } else {
                        Field::Json
                    };
                    link.send_message(Msg::Act(Action::Refused(field, len as usize)));
                }));
            }
        }
        self.mark();
        // Once the first run is shown, the app (not an embed) fetches its parts.
        if PAGE && !self.prefetching && self.state.run.is_some() && !self.state.opts.embed {
            self.prefetching = true;
            crate::components::prefetch();
        }
        if std::mem::take(&mut self.focus_fault_menu) {
            // `f` opens the fault menu: keyboard focus goes to its first action.
            let id = self.state.opts.id("fault-menu-first");
            if let Some(el) = gloo::utils::document().get_element_by_id(&id) {
                if let Some(el) = el.dyn_ref::<web_sys::HtmlElement>() {
                    let _ = el.focus();
                }
            }
        }
    }

    fn view(&self, _ctx: &Context<Self>) -> Html {
        let s = &self.state;
        let opts = &s.opts;
        let root = classes!(
            "mxlab-shell",
            s.dark.then_some("dark"),
            s.presenter.then_some("presenter"),
            opts.embed.then_some("embed")
        );
        let banner = html! {
            <Banner error={s.error.clone().map(AttrValue::from)} dispatch={self.dispatch.clone()} />
        };
        let background = html! {
            <Background shell={self.shell_ref.clone()} contained={opts.contained} playing={s.animating}
                narrow_layout={!opts.embed && !opts.contained} report_height={opts.embed && !opts.contained}
                job={s.job.clone()} sweep={s.sweep.job.clone()} dispatch={self.dispatch.clone()} />
        };
        if opts.embed || !PAGE {
            return self.embedded(root, banner, background);
        }
        html! {
            <div class={root} ref={self.shell_ref.clone()}>
                <Header preset={AttrValue::from(s.preset.clone())} picker_id={opts.id("preset")}
                    dark={s.dark} presenter={s.presenter} dispatch={self.dispatch.clone()} />
                { banner }
                if s.share_open {
                    { self.share() }
                }
                if s.help {
                    <div class="dialog-slot"><Lazy<HelpPart> dispatch={self.dispatch.clone()} /></div>
                }
                <div class="workspace">
                    { self.stage() }
                    { self.side() }
                </div>
                { self.transport() }
                <Panels tab={s.tab} id_prefix={AttrValue::from(opts.id_prefix.clone())} dispatch={self.dispatch.clone()}>
                    { self.panel() }
                </Panels>
                <footer class="mxlab-status" role="status">
                    <span class="version">{ version_line() }</span>
                    <span class="state">{ if s.computing() { "computing" } else { "ready" } }</span>
                </footer>
                { background }
            </div>
        }
    }
}
