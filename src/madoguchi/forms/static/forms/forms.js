/* Form engine progressive enhancement (no inline script: CSP).
 * - show_if: fields with data-show-if are shown/hidden as the resident answers; the server
 *   applies the same rule, so without JavaScript every field is simply shown with its condition.
 * - postal code: the 「郵便番号から住所を入力」 button asks /forms/postal-code/ and fills the
 *   address; without JavaScript the server fills it on submit. */
(function () {
  "use strict";

  function esc(name) {
    return window.CSS && CSS.escape ? CSS.escape(name) : name.replace(/"/g, '\\"');
  }

  function valuesOf(root, name) {
    var out = [];
    root.querySelectorAll('[name="' + esc(name) + '"]').forEach(function (el) {
      if (el.disabled) return;
      if (el.type === "checkbox" || el.type === "radio") {
        if (el.checked) out.push(el.type === "checkbox" && el.value === "on" ? "true" : el.value);
      } else if (el.value !== "") {
        out.push(el.value);
      }
    });
    return out;
  }

  function update(root) {
    root.querySelectorAll("[data-show-if]").forEach(function (wrapper) {
      var cond;
      try {
        cond = JSON.parse(wrapper.getAttribute("data-show-if"));
      } catch (e) {
        return;
      }
      var controller = root.querySelector('[data-field="' + esc(cond.field) + '"]');
      if (!controller) return; // answered on an earlier page: the server already decided
      var values = controller.hidden ? [] : valuesOf(root, cond.field);
      var show;
      if (Object.prototype.hasOwnProperty.call(cond, "not_empty")) {
        show = cond.not_empty ? values.length > 0 : values.length === 0;
      } else {
        var wanted = (Object.prototype.hasOwnProperty.call(cond, "equals") ? [cond.equals] : cond["in"] || []).map(String);
        show = values.some(function (v) { return wanted.indexOf(v) >= 0; });
      }
      wrapper.hidden = !show;
      wrapper.querySelectorAll("input, select, textarea").forEach(function (el) { el.disabled = !show; });
    });
  }

  function setupPostal(fieldset) {
    var button = fieldset.querySelector("[data-postal-lookup]");
    var input = fieldset.querySelector("[data-postal-input]");
    var address = fieldset.querySelector("[data-address-input]");
    var status = fieldset.querySelector("[data-postal-status]");
    if (!button || !input || !address || !window.fetch) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = "住所を調べています…";
      fetch(button.getAttribute("data-url") + "?postal_code=" + encodeURIComponent(input.value), {
        headers: { "HX-Request": "true" },
        credentials: "same-origin"
      })
        .then(function (r) { return r.text(); })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var fill = doc.querySelector("[data-postal-fill]");
          if (fill) {
            var found = fill.getAttribute("data-postal-fill");
            if (address.value.indexOf(found) !== 0) address.value = found;
            address.focus();
          }
          status.textContent = doc.body.textContent.trim();
        })
        .catch(function () {
          status.textContent = "住所を調べられませんでした。住所を直接入力してください。";
        });
    });
  }

  function init() {
    document.querySelectorAll("[data-form-engine]").forEach(function (root) {
      var form = root.closest("form") || root;
      update(form);
      form.addEventListener("change", function () { update(form); });
      form.addEventListener("input", function () { update(form); });
      root.querySelectorAll("[data-address]").forEach(setupPostal);
    });
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
