// The log form without a mouse: a letter key picks the outcome (shown next to it), Enter
// saves and opens the next case. The call-back time is shown only when it is asked for.
(function () {
  "use strict";
  const form = document.querySelector(".log-form");
  if (!form) return;
  const radios = Array.from(form.querySelectorAll("input[name=outcome]"));
  const callback = form.querySelector(".field-callback_at");
  function showCallback() {
    const picked = radios.find((radio) => radio.checked);
    if (callback) callback.hidden = !(picked && picked.value === "callback") && !callback.classList.contains("errors");
  }
  document.addEventListener("keydown", function (event) {
    const target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target.matches("textarea, select, input:not([type=radio])")) return;
    if (!form.contains(target) && target !== document.body) return;
    if (event.key === "Enter" && target.matches("input[type=radio]")) {
      event.preventDefault();
      form.requestSubmit(form.querySelector("input[name=next]"));
      return;
    }
    const radio = radios.find((candidate) => candidate.dataset.key === event.key.toLowerCase());
    if (radio) {
      event.preventDefault();
      radio.checked = true;
      radio.focus();
      showCallback();
      if (radio.value === "callback") form.querySelector("input[name=callback_at]").focus();
    }
  });
  radios.forEach((radio) => radio.addEventListener("change", showCallback));
  showCallback();
})();
