/* Service worker for Web Push notices (scope /alerts/). The payload is JSON:
   {title, body, url, tag, severity}. */
self.addEventListener("push", (event) => {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = { title: "お知らせ", body: event.data ? event.data.text() : "" }; }
  const options = {
    body: data.body || "",
    tag: data.tag || undefined,
    data: { url: data.url || "/alerts/" },
    requireInteraction: data.severity === "Extreme" || data.severity === "Severe",
  };
  event.waitUntil(self.registration.showNotification(data.title || "お知らせ", options));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = (event.notification.data && event.notification.data.url) || "/alerts/";
  event.waitUntil(clients.openWindow(url));
});
