/* Web Push subscription from the subscribe page (no inline script: CSP). */
(function () {
  "use strict";
  const section = document.getElementById("push-section");
  const button = document.getElementById("push-button");
  const status = document.getElementById("push-status");
  const form = document.getElementById("subscribe-form");
  if (!section || !button || !form) return;
  const key = section.dataset.vapidKey;
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !key) {
    status.textContent = "このブラウザ（または現在の設定）ではプッシュ通知を使えません。メールか LINE をご利用ください。";
    return;
  }
  button.disabled = false;

  function urlBase64ToUint8Array(base64) {
    const padding = "=".repeat((4 - (base64.length % 4)) % 4);
    const raw = atob((base64 + padding).replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from([...raw].map((c) => c.charCodeAt(0)));
  }
  function checked(name) {
    return Array.from(form.querySelectorAll('input[name="' + name + '"]:checked')).map((el) => el.value);
  }
  function topicSlugs() {
    return Array.from(form.querySelectorAll('input[name="topics"]:checked')).map((el) => el.dataset.slug || el.value);
  }

  button.addEventListener("click", async function () {
    const topics = topicSlugs();
    if (!topics.length) {
      status.textContent = "分野を1つ以上選んでから押してください。";
      form.querySelector('input[name="topics"]').focus();
      return;
    }
    button.disabled = true;
    status.textContent = "通知の許可を確認しています…";
    try {
      const reg = await navigator.serviceWorker.register(section.dataset.sw, { scope: "/alerts/" });
      const permission = await Notification.requestPermission();
      if (permission !== "granted") {
        status.textContent = "通知が許可されませんでした。ブラウザの設定で通知を許可してから、もう一度押してください。";
        button.disabled = false;
        return;
      }
      const sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: urlBase64ToUint8Array(key) });
      const json = sub.toJSON();
      const lang = checked("language")[0] || "ja";
      const resp = await fetch(section.dataset.api, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": (form.querySelector('input[name="csrfmiddlewaretoken"]') || {}).value || "" },
        body: JSON.stringify({ endpoint: json.endpoint, keys: json.keys, topics: topics, areas: checked("areas").map(Number), language: lang }),
      });
      if (!resp.ok) {
        const err = await resp.json().catch(() => ({}));
        status.textContent = "登録できませんでした: " + (err.detail || resp.status);
        button.disabled = false;
        return;
      }
      const result = await resp.json().catch(() => ({}));
      status.textContent = "このブラウザへのプッシュ通知を登録しました。";
      if (result.manage) {
        // the signed 受け取り設定 page: change topics or stop this push (works without script)
        const p = document.getElementById("push-manage");
        const a = document.getElementById("push-manage-link");
        if (p && a) {
          a.href = result.manage;
          p.hidden = false;
        }
      }
    } catch (e) {
      status.textContent = "登録できませんでした（" + e.message + "）。時間をおいてもう一度お試しください。";
      button.disabled = false;
    }
  });
})();
