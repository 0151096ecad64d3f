// Live reload (development only): listens to the server's stream of changes.
// "css": swap each changed stylesheet in place, without reloading; "reload": reload the page.
(() => {
  const script = document.currentScript;
  const source = new EventSource(script.dataset.events);
  const hashedName = /\.[0-9a-f]{12}(\.[^./]+)$/;
  let boot = null;

  // A stream that reconnects to a different server process means the code changed: reload.
  source.addEventListener("hello", (event) => {
    const { boot: current } = JSON.parse(event.data);
    if (boot !== null && boot !== current) location.reload();
    boot = current;
  });

  source.addEventListener("reload", () => location.reload());

  source.addEventListener("css", (event) => {
    const { stylesheets } = JSON.parse(event.data);
    let swapped = 0;
    for (const link of document.querySelectorAll('link[rel="stylesheet"]')) {
      const url = new URL(link.href, location.href);
      const unhashed = url.pathname.replace(hashedName, "$1");
      const change = stylesheets.find(({ path }) => unhashed.endsWith(`/${path}`));
      if (!change) continue;
      url.pathname = unhashed.slice(0, -change.path.length) + change.hashed;
      swap(link, url.href);
      swapped += 1;
    }
    // A page that links none of them (an error page) shows the change only by reloading.
    if (swapped === 0) location.reload();
  });

  // The new sheet applies before the old one goes, so nothing flashes unstyled.
  function swap(link, href) {
    const replacement = link.cloneNode();
    replacement.href = href;
    replacement.addEventListener("load", () => {
      link.remove();
      document.dispatchEvent(new CustomEvent("live-reload:css", { detail: { href } }));
    }, { once: true });
    link.after(replacement);
  }
})();
