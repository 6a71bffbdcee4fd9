/* allauth's WebAuthn script reports a ceremony that failed or was cancelled (the browser's
   dialog closed, a timeout, no matching key) as an "allauth.error" event, and otherwise only on
   the console. Say it on the page instead, in the empty alert the template holds
   (#webauthn-error): filled, a screen reader announces it. The message is the template's, in
   the page's language. */
document.addEventListener("allauth.error", (event) => {
  const alert = document.getElementById("webauthn-error");
  if (!alert) return;
  event.preventDefault();
  alert.className = "message error";
  alert.textContent = alert.dataset.message;
});
