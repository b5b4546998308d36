/* Service worker for Web Push notices (scope /alerts/). The payload is JSON:
   {title, body, url, tag, severity, unsubscribe, unsubscribe_label}. `unsubscribe` is this
   subscription's signed 受け取り設定 link (opened at its 「配信停止」 button); it is shown as a
   notification action. Clicking the notification itself opens the notice page. */
self.addEventListener("push", (event) => {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = { title: "お知らせ", body: event.data ? event.data.text() : "" }; }
  const options = {
    body: data.body || "",
    tag: data.tag || undefined,
    data: { url: data.url || "/alerts/", unsubscribe: data.unsubscribe || "" },
    requireInteraction: data.severity === "Extreme" || data.severity === "Severe",
  };
  if (data.unsubscribe) {
    options.actions = [{ action: "unsubscribe", title: data.unsubscribe_label || "配信停止" }];
  }
  event.waitUntil(self.registration.showNotification(data.title || "お知らせ", options));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const data = event.notification.data || {};
  const url = event.action === "unsubscribe" && data.unsubscribe ? data.unsubscribe : data.url || "/alerts/";
  event.waitUntil(clients.openWindow(url));
});
