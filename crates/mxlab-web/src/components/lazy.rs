//! Panels fetched the first time they are shown.
//!
//! The app's page loads only what the stage and its first panels need. A
//! part declared here with [`part!`] lives, in a build with the `split`
//! feature, in a WebAssembly module of its own, which the page fetches when
//! the part is first drawn; until then [`Lazy`] shows that it is loading,
//! and if the fetch fails it says so and offers to try again. In a build
//! without the feature (tests, the script-tag package) the part is drawn at
//! once, as any component is.
//!
//! A part is drawn by a function of its properties ([`View`]); the function
//! lives in the part's module, so the main module names the part only
//! through it.

use std::future::Future;
use std::pin::Pin;

use yew::prelude::*;

/// Draws a part from its properties.
pub type View<P> = fn(&P) -> Html;

/// A future, as a part's load returns it.
pub type Loading<P> = Pin<Box<dyn Future<Output = Result<View<P>, LoadError>>>>;

/// A part's module could not be fetched (the browser's console tells why).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadError;

#[cfg(all(feature = "split", target_family = "wasm"))]
impl From<wasm_split_helpers::SplitLoaderError> for LoadError {
    fn from(_: wasm_split_helpers::SplitLoaderError) -> Self {
        LoadError
    }
}

/// A part of the app that may live in a module of its own.
pub trait Part: 'static {
    /// Its properties.
    type Props: Properties + PartialEq + Clone;
    /// What it is, as the words "the … could not be loaded" name it.
    const WHAT: &'static str;
    /// Its drawing function, once it has been fetched.
    fn loaded() -> Option<View<Self::Props>>;
    /// Fetches its module (at once where there is none to fetch).
    fn load() -> Loading<Self::Props>;
}

/// Declares a part: `part!(Name, chunk, "what", Props, Component)`; with
/// `page` first, a part of the app's page alone, which a build without the
/// `page` feature leaves out (it is never shown there); with `page writes`,
/// one that is drawn only once the writer ([`crate::writer`]) is here too.
macro_rules! part {
    (page writes $(#[$doc:meta])* $part:ident, $chunk:ident, $what:literal, $props:ty, $component:ty) => {
        $crate::components::lazy::part!(@split(all(feature = "split", feature = "page", target_family = "wasm"), true)
            $(#[$doc])* $part, $chunk, $what, $props, $component);
    };
    (page $(#[$doc:meta])* $part:ident, $chunk:ident, $what:literal, $props:ty, $component:ty) => {
        $crate::components::lazy::part!(@split(all(feature = "split", feature = "page", target_family = "wasm"), false)
            $(#[$doc])* $part, $chunk, $what, $props, $component);
    };
    ($(#[$doc:meta])* $part:ident, $chunk:ident, $what:literal, $props:ty, $component:ty) => {
        $crate::components::lazy::part!(@split(all(feature = "split", target_family = "wasm"), false)
            $(#[$doc])* $part, $chunk, $what, $props, $component);
    };
    // `$split`: when the part is in a module of its own; `$writes`: whether
    // it is drawn only once the writer is here too.
    (@split($split:meta, $writes:literal) $(#[$doc:meta])* $part:ident, $chunk:ident, $what:literal, $props:ty, $component:ty) => {
        $(#[$doc])*
        pub struct $part;

        const _: () = {
            use $crate::components::lazy::{LoadError, Loading, Part, View};

            std::thread_local! {
                static VIEW: std::cell::Cell<Option<View<$props>>> = const { std::cell::Cell::new(None) };
            }

            /// Draws the part (in the part's own module).
            fn draw(props: &$props) -> ::yew::Html {
                ::yew::html! { <$component ..props.clone() /> }
            }

            #[cfg($split)]
            #[wasm_split_helpers::wasm_split($chunk, fallible)]
            fn $chunk() -> Result<View<$props>, LoadError> {
                Ok(draw)
            }

            #[cfg(not($split))]
            async fn $chunk() -> Result<View<$props>, LoadError> {
                Ok(draw)
            }

            impl Part for $part {
                type Props = $props;
                const WHAT: &'static str = $what;

                fn loaded() -> Option<View<$props>> {
                    #[cfg(not($split))]
                    VIEW.with(|v| v.set(Some(draw)));
                    VIEW.with(std::cell::Cell::get)
                }

                fn load() -> Loading<$props> {
                    Box::pin(async {
                        if $writes {
                            $crate::components::parts::ensure_writer().await?;
                        }
                        let view = $chunk().await?;
                        VIEW.with(|v| v.set(Some(view)));
                        Ok(view)
                    })
                }
            }
        };
    };
}
pub(crate) use part;

/// Draws part `T` with its properties, fetching its module first if need be.
#[function_component]
pub fn Lazy<T: Part>(props: &T::Props) -> Html {
    let view = use_state(T::loaded);
    // Bumped by "try again".
    let attempt = use_state(|| 0u32);
    let failed = use_state(|| false);
    {
        let (view, failed) = (view.clone(), failed.clone());
        use_effect_with(*attempt, move |_| {
            if view.is_none() {
                failed.set(false);
                wasm_bindgen_futures::spawn_local(async move {
                    match T::load().await {
                        Ok(v) => view.set(Some(v)),
                        Err(LoadError) => failed.set(true),
                    }
                });
            }
        });
    }
    match *view {
        Some(draw) => draw(props),
        None if *failed => {
            let retry = {
                let attempt = attempt.clone();
                Callback::from(move |_: MouseEvent| attempt.set(*attempt + 1))
            };
            html! {
                <p class="part-state" role="alert">
                    { format!("The {} could not be loaded (is the connection down?). ", T::WHAT) }
                    <button type="button" onclick={retry}>{ "Try again" }</button>
                </p>
            }
        }
        None => {
            html! { <p class="part-state" aria-busy="true">{ format!("Loading the {}…", T::WHAT) }</p> }
        }
    }
}
