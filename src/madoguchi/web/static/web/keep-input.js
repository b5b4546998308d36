/* Keeps what was typed into a form marked data-keep-input in this browser tab (sessionStorage,
   keyed by the form's address), so an expired session or lost cookies do not lose it: the
   server sends the resident to sign in and back to the same page (next=), or shows the CSRF
   page with a link back, and this module puts the values back into the form.

   - Saved on every input and on submit; never the CSRF token, passwords, files, hidden fields,
     a 個人番号（マイナンバー） field (.form-field--my_number, [data-keep=no]) or any value that
     is a valid 12-digit 個人番号.
   - Restored only on that form's own page, which the server shows only to the account the
     application belongs to (another account signing in gets no form to restore into).
   - Cleared as soon as the tab shows any other page that is not the way back to the form (the
     sign-in pages carrying next= to it): the submission went through, or the resident left.
   - sessionStorage ends with the tab, and entries older than two hours are dropped. */
(function () {
  "use strict";
  var PREFIX = "madoguchi:keep:";
  var MAX_AGE_MS = 2 * 60 * 60 * 1000;
  var SKIP_TYPES = ["password", "file", "hidden", "submit", "button", "reset", "image"];
  var store;
  try {
    store = window.sessionStorage;
    store.getItem(PREFIX);
  } catch (e) {
    return; // storage disabled: nothing to keep
  }

  function digits(value) {
    return String(value || "")
      .replace(/[０-９]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xfee0); })
      .replace(/[\s\-‐－ー]/g, "");
  }

  function isMyNumber(value) {
    var d = digits(value);
    if (!/^\d{12}$/.test(d)) return false;
    var sum = 0;
    for (var n = 1; n <= 11; n++) {
      var p = Number(d.charAt(11 - n));
      sum += p * (n <= 6 ? n + 1 : n - 5);
    }
    var r = sum % 11;
    return Number(d.charAt(11)) === (r <= 1 ? 0 : 11 - r);
  }

  function keepable(el) {
    if (!el.name || el.disabled || el.name === "csrfmiddlewaretoken") return false;
    if (SKIP_TYPES.indexOf((el.type || "").toLowerCase()) !== -1) return false;
    if (el.closest("[data-keep=no], .form-field--my_number")) return false;
    return /^(INPUT|SELECT|TEXTAREA)$/.test(el.tagName);
  }

  function pathOf(url) {
    try {
      return new URL(url, window.location.href).pathname;
    } catch (e) {
      return "";
    }
  }

  function keyFor(form) {
    return PREFIX + pathOf(form.getAttribute("action") || window.location.href);
  }

  function collect(form) {
    var fields = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!keepable(el)) return;
      var type = (el.type || "").toLowerCase();
      if (type === "checkbox" || type === "radio") {
        fields.push({ n: el.name, v: el.value, c: el.checked });
      } else if (el.tagName === "SELECT" && el.multiple) {
        var chosen = Array.prototype.filter.call(el.options, function (o) { return o.selected; }).map(function (o) { return o.value; });
        fields.push({ n: el.name, m: chosen });
      } else if (!isMyNumber(el.value)) {
        fields.push({ n: el.name, v: el.value });
      }
    });
    return fields;
  }

  function save(form) {
    var key = keyFor(form);
    try {
      store.setItem(key, JSON.stringify({ path: key.slice(PREFIX.length), at: Date.now(), fields: collect(form) }));
    } catch (e) {
      /* storage full: keep going without it */
    }
  }

  function read(key) {
    try {
      var entry = JSON.parse(store.getItem(key) || "null");
      if (entry && entry.path && Array.isArray(entry.fields) && Date.now() - entry.at < MAX_AGE_MS) return entry;
    } catch (e) {
      /* unreadable: dropped below */
    }
    store.removeItem(key);
    return null;
  }

  function restore(form) {
    var entry = read(keyFor(form));
    if (!entry) return;
    var changed = false;
    var seen = {};
    entry.fields.forEach(function (f) {
      var els = Array.prototype.filter.call(form.elements, function (el) { return el.name === f.n && keepable(el); });
      if (!els.length) return;
      var first = els[0];
      var type = (first.type || "").toLowerCase();
      if (type === "checkbox" || type === "radio") {
        els.forEach(function (el) {
          if (el.value === f.v && el.checked !== f.c) {
            el.checked = f.c;
            el.dispatchEvent(new Event("change", { bubbles: true }));
            changed = true;
          }
        });
      } else if (f.m) {
        Array.prototype.forEach.call(first.options, function (o) { o.selected = f.m.indexOf(o.value) !== -1; });
        changed = true;
      } else {
        var i = seen[f.n] || 0;
        seen[f.n] = i + 1;
        var el = els[i];
        if (el && el.value !== f.v) {
          el.value = f.v;
          el.dispatchEvent(new Event("input", { bubbles: true }));
          el.dispatchEvent(new Event("change", { bubbles: true }));
          changed = true;
        }
      }
    });
    if (changed) {
      var note = document.createElement("div");
      note.className = "notice keep-input-notice";
      note.setAttribute("role", "status");
      note.textContent = document.body.getAttribute("data-keep-restored") || "";
      form.parentNode.insertBefore(note, form);
    }
  }

  /* Entries for other pages: kept only while this page is the way back to them. */
  function sweep() {
    var here = window.location.pathname;
    var ways = [];
    var next = new URLSearchParams(window.location.search).get("next");
    if (next) ways.push(pathOf(next));
    Array.prototype.forEach.call(document.querySelectorAll("input[name=next]"), function (el) {
      if (el.value) ways.push(pathOf(el.value));
    });
    var keys = [];
    for (var i = 0; i < store.length; i++) {
      var k = store.key(i);
      if (k && k.indexOf(PREFIX) === 0) keys.push(k);
    }
    keys.forEach(function (key) {
      var entry = read(key);
      if (!entry) return;
      if (entry.path === here || ways.indexOf(entry.path) !== -1) return;
      store.removeItem(key);
    });
  }

  function init() {
    sweep();
    Array.prototype.forEach.call(document.querySelectorAll("form[data-keep-input]"), function (form) {
      restore(form);
      form.addEventListener("input", function () { save(form); });
      form.addEventListener("change", function () { save(form); });
      form.addEventListener("submit", function () { save(form); });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
