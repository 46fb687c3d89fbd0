// While a file is read or imported, re-reads the page every 2 seconds and updates the progress in its live region.
// A page that reloaded itself would take the reader's place away (RGAA 13.1): once the state changes, the region
// offers the link to the preview or the report instead. Without JavaScript the page has its own refresh link.
const zone = document.querySelector("[data-suivi-import]");
if (zone) {
  const suivre = async () => {
    try {
      const response = await fetch(window.location.href, { cache: "no-store", credentials: "same-origin" });
      if (response.ok) {
        const page = new DOMParser().parseFromString(await response.text(), "text/html");
        const suite = page.querySelector("[data-suivi-import]");
        if (!suite || suite.dataset.suiviImport !== zone.dataset.suiviImport) {
          zone.replaceChildren(document.getElementById("suivi-fini").content.cloneNode(true));
          return;
        }
        zone.replaceChildren(...suite.childNodes);
      }
    } catch {
      // The network failed once: the next try may work.
    }
    setTimeout(suivre, 2000);
  };
  setTimeout(suivre, 2000);
}
