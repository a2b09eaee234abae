// portin portal: small improvements on pages that work without JavaScript.
// Copy buttons are hidden until this script shows them, so a page without it shows none.
function showCopyButtons(root) {
  for (const button of root.querySelectorAll("button.copy[data-copy]")) {
    button.hidden = false;
  }
}
document.addEventListener("DOMContentLoaded", () => showCopyButtons(document));
// Parts that htmx swaps in bring their own copy buttons.
document.addEventListener("htmx:load", (event) => showCopyButtons(event.target));
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button.copy[data-copy]");
  if (!button) return;
  try {
    await navigator.clipboard.writeText(button.dataset.copy);
    button.textContent = "Copied";
  } catch (error) {
    button.textContent = "Select and copy";
  }
  setTimeout(() => { button.textContent = "Copy"; }, 2000);
});

// Live parts (hx-trigger="portin:changed from:body") refresh when the server's /live stream
// says something moved; while the stream is down they refresh every 3 s instead.
const LIVE_EVENT = "portin:changed";
const POLL_MS = 3000;
let pollTimer = null;

function changed() {
  document.body.dispatchEvent(new CustomEvent(LIVE_EVENT));
}
function startPolling() {
  if (pollTimer === null) pollTimer = setInterval(changed, POLL_MS);
}
function stopPolling() {
  if (pollTimer !== null) {
    clearInterval(pollTimer);
    pollTimer = null;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  if (!document.querySelector('[hx-trigger*="' + LIVE_EVENT + '"]')) return;
  if (!("EventSource" in window)) {
    startPolling();
    return;
  }
  const source = new EventSource("/live");
  source.addEventListener("changed", () => {
    stopPolling();
    // Every message refreshes, the stream's first ("open") too: something may have moved
    // between serving this page (or the stream dropping) and the stream starting to watch.
    changed();
  });
  // The browser retries on its own while readyState is CONNECTING; CLOSED is for good.
  source.addEventListener("error", () => startPolling());
  window.addEventListener("pagehide", () => source.close());
});
