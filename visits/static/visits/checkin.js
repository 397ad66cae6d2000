// The check-in asks the phone for its position once, when the agent presses the button
// (the browser asks the agent's consent), and sends it with the check-in; a refusal or a
// failure is sent as the reason there is no position. No position is taken otherwise.
(function () {
  "use strict";
  const form = document.querySelector(".check-in-form");
  if (!form) return;
  const status = form.querySelector(".position-status");
  const field = (name) => form.querySelector("input[name=" + name + "]");
  const REASONS = { 1: "denied", 2: "unavailable", 3: "timeout" };
  let asked = false;

  function say(text) {
    status.textContent = text;
  }

  function send() {
    asked = true;
    form.querySelector(".check-in-button").disabled = true;
    form.submit();
  }

  form.addEventListener("submit", function (event) {
    if (asked) return;
    event.preventDefault();
    if (!("geolocation" in navigator)) {
      field("no_location").value = "unsupported";
      send();
      return;
    }
    say(status.dataset.asking);
    navigator.geolocation.getCurrentPosition(
      function (position) {
        field("latitude").value = position.coords.latitude;
        field("longitude").value = position.coords.longitude;
        field("accuracy").value = Math.round(position.coords.accuracy);
        field("located_at").value = Math.round(position.timestamp);
        field("no_location").value = "";
        say(status.dataset.got.replace("{metres}", Math.round(position.coords.accuracy)));
        send();
      },
      function (error) {
        field("no_location").value = REASONS[error.code] || "unavailable";
        say(error.code === 1 ? status.dataset.denied : status.dataset.failed);
        send();
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  });
})();
