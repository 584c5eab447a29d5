// <mx-lab>: MX Lab as one element of HTML. After
//   <script type="module" src="…/mxlab-web/mx-lab.js"></script>
// write
//   <mx-lab scenario="greylisting" view="both" autoplay speed="lesson"></mx-lab>
// anywhere in the page. Each element is a simulator of its own; changing an
// attribute starts it again with the new options; removing the element
// stops it. The attributes are mount()'s options: scenario, view, autoplay,
// loop, speed ("lesson" or virtual seconds per real second), pace, start
// (seconds of virtual time) and theme.
import init, { mount, unmount } from './mxlab_web.js';

const ATTRIBUTES = ['scenario', 'view', 'autoplay', 'loop', 'speed', 'pace', 'start', 'theme'];
const FLAGS = new Set(['autoplay', 'loop']);

let loaded = null;
function load() {
  loaded ??= init();
  return loaded;
}

/** The mount() options an element's attributes ask for. */
function optionsOf(element) {
  const options = {};
  for (const name of ATTRIBUTES) {
    const value = element.getAttribute(name);
    if (value === null) continue;
    if (FLAGS.has(name)) options[name] = !['0', 'false', 'no', 'off'].includes(value.trim().toLowerCase());
    else options[name] = value;
  }
  return options;
}

export class MxLabElement extends HTMLElement {
  static get observedAttributes() {
    return ATTRIBUTES;
  }

  #handle = null;
  #pending = false;

  connectedCallback() {
    if (!this.style.display) this.style.display = 'block';
    this.#schedule();
  }

  disconnectedCallback() {
    this.#stop();
  }

  attributeChangedCallback(_name, before, after) {
    if (before !== after && this.isConnected) this.#schedule();
  }

  /** Starts again once, after every attribute set in the same task. */
  #schedule() {
    if (this.#pending) return;
    this.#pending = true;
    queueMicrotask(async () => {
      await load();
      this.#pending = false;
      this.#stop();
      if (!this.isConnected) return;
      const root = document.createElement('div');
      this.replaceChildren(root);
      this.#handle = mount(root, optionsOf(this));
    });
  }

  #stop() {
    if (this.#handle !== null) {
      unmount(this.#handle);
      this.#handle = null;
    }
  }
}

if (!customElements.get('mx-lab')) customElements.define('mx-lab', MxLabElement);
