/* Check-in by camera (progressive): where the browser has BarcodeDetector, a button opens the
   camera, reads the visitor's QR code into the code field and submits the form. Without it,
   staff type the code or use a handheld scanner (which types into the same field). */
(function () {
  "use strict";
  var form = document.querySelector("[data-scan-form]");
  if (!form || !("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  var input = form.querySelector("input[name=code]");
  var button = form.querySelector("[data-scan-button]");
  var video = form.querySelector("[data-scan-video]");
  var status = form.querySelector("[data-scan-status]");
  var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
  var stream = null;
  button.hidden = false;

  function stop() {
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    video.hidden = true;
    button.setAttribute("aria-pressed", "false");
  }

  function tick() {
    if (!stream) return;
    detector.detect(video).then(function (codes) {
      if (codes.length) {
        input.value = codes[0].rawValue;
        status.textContent = button.dataset.found;
        stop();
        form.submit();
      } else {
        window.requestAnimationFrame(tick);
      }
    }).catch(function () { window.requestAnimationFrame(tick); });
  }

  button.addEventListener("click", function () {
    if (stream) { stop(); return; }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (s) {
      stream = s;
      video.srcObject = s;
      video.hidden = false;
      button.setAttribute("aria-pressed", "true");
      status.textContent = button.dataset.reading;
      video.play().then(tick);
    }).catch(function () {
      status.textContent = button.dataset.denied;
    });
  });
})();
