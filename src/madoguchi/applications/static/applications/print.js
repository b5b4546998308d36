// 「印刷する」: a button with data-print opens the browser's print dialog (shown only with JS;
// without it the page says to use the browser's print command).
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
