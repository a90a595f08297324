// Rapport's page script, inlined (with this response's CSP nonce) only into
// pages that have something interactive. Everything it does is an
// enhancement: without it the same pages work as plain HTML forms.
//
// 1. Islands: when the page holds a <leptos-island> (the editor, the file
//    picker, the typed-reply box), it loads the WebAssembly bundle once and
//    attaches each island (Leptos' island loader does the same; this one
//    also attaches islands that arrive with a step, see 2).
// 2. Steps without reloads: a POST form inside [data-swap] (the player and
//    the quiz) is sent with fetch; the server answers with its usual
//    redirect to the next page, whose <main> replaces this one. Focus moves
//    to the element the server marked [data-arrival] (the feedback on the
//    step), or to <main>. An answer that is not a page (a refusal in plain
//    text, a network error) is said beside the form, which keeps its input.
//
// Placeholders replaced by the server: __JS__, __WASM__.
const JS = "__JS__";
const WASM = "__WASM__";
let bundle = null;

function loadBundle() {
  if (!bundle) {
    bundle = import(JS).then(async (mod) => {
      await mod.default({ module_or_path: WASM });
      mod.hydrate();
      return mod;
    });
  }
  return bundle;
}

async function attachIslands() {
  const waiting = [...document.querySelectorAll("leptos-island")].filter((el) => !el.$$hydrated);
  if (waiting.length) {
    const mod = await loadBundle();
    for (const el of waiting) {
      if (el.$$hydrated) continue;
      el.$$hydrated = true;
      const attach = mod[el.dataset.component];
      if (attach) await attach(el);
      else console.warn(`Rapport: no code for the island ${el.dataset.component}`);
    }
  }
  // For people's tools and the browser tests: from here on, the page's
  // JavaScript is in charge.
  document.documentElement.setAttribute("data-hydrated", "");
}

let navigation = 0;

function swapMain(html) {
  const doc = new DOMParser().parseFromString(html, "text/html");
  const next = doc.querySelector("main");
  const main = document.querySelector("main");
  if (!next || !main) return null;
  main.replaceWith(next);
  document.title = doc.title;
  return next;
}

function say(form, message) {
  let note = form.parentElement.querySelector(":scope > .swap-error");
  if (!note) {
    note = document.createElement("p");
    note.className = "flash flash-error swap-error";
    note.setAttribute("role", "alert");
    form.before(note);
  }
  note.textContent = message;
}

document.addEventListener("submit", async (ev) => {
  const form = ev.target;
  if (ev.defaultPrevented || !(form instanceof HTMLFormElement)) return;
  if (form.method.toLowerCase() !== "post" || !form.closest("[data-swap]")) return;
  if (form.enctype !== "application/x-www-form-urlencoded") return;
  const action = new URL(form.action, location.href);
  if (action.origin !== location.origin) return;
  ev.preventDefault();
  const data = new FormData(form, ev.submitter || undefined);
  const buttons = [...form.querySelectorAll("button, input[type=submit]")];
  for (const b of buttons) b.disabled = true;
  const main = document.querySelector("main");
  main.setAttribute("aria-busy", "true");
  const refused = (message) => {
    for (const b of buttons) b.disabled = false;
    main.removeAttribute("aria-busy");
    say(form, message);
  };
  const mine = ++navigation;
  let res;
  try {
    res = await fetch(action, {
      method: "POST",
      body: new URLSearchParams(data),
      headers: { Accept: "text/html" },
      credentials: "same-origin",
    });
  } catch {
    refused("The server could not be reached, so nothing was sent. Check the connection and try again.");
    return;
  }
  if (mine !== navigation) return;
  const type = res.headers.get("content-type") || "";
  if (!type.startsWith("text/html")) {
    // Not a page (a refusal in plain text, such as a body too large): its
    // message, beside the form, which stays as it was.
    const text = type.startsWith("text/plain") ? (await res.text()).trim().slice(0, 300) : "";
    refused(text || `The server refused this (${res.status}). Nothing was saved; try again.`);
    return;
  }
  const arrived = swapMain(await res.text());
  if (!arrived) {
    location.assign(res.url);
    return;
  }
  history.pushState(null, "", res.url);
  const target = arrived.querySelector("[data-arrival]") || arrived;
  if (target === arrived) window.scrollTo(0, 0);
  target.focus();
  // The new <main> may hold islands of its own: until they are attached,
  // the page is not yet in the script's hands.
  document.documentElement.removeAttribute("data-hydrated");
  attachIslands();
});

// Steps were pushed as history entries; going back or forward shows that
// address as the server has it now.
window.addEventListener("popstate", () => location.reload());

attachIslands();
