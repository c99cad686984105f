/* Webinar Desk: the passkey pages (/manage/wan-register, wan-signin, wan-verify).
   Flask-Security puts this in an inline script, which our Content Security Policy
   refuses; here it is a file of ours. The page's form carries the server's options
   in data-passkey-options and what to do in data-passkey ("register" or "sign-in");
   Flask-Security's js/webauthn.js (handleRegister, handleSignin), loaded before this
   file, asks the browser for the passkey, and the form posts its answer. */
(function () {
  "use strict";

  function showError(form, detail) {
    var area = form.querySelector("[data-passkey-error]");
    area.textContent = form.getAttribute("data-error-text");
    var code = document.createElement("small");
    code.textContent = " (" + detail + ")";
    area.appendChild(code);
    area.hidden = false;
  }

  function start() {
    var form = document.querySelector("form[data-passkey-options]");
    if (!form) { return; }
    var options = form.getAttribute("data-passkey-options");
    var ask = form.getAttribute("data-passkey") === "register" ? handleRegister : handleSignin;
    ask(options).then(function (result) {
      if (!result.credential) {
        showError(form, result.error_msg);
        return;
      }
      form.querySelector("input[name=credential]").value = result.credential;
      form.submit();
    });
  }

  document.addEventListener("DOMContentLoaded", start);
})();
