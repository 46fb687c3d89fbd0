// Suggests communes under every input carrying data-commune-search; without it the server resolves the text.
document.querySelectorAll("input[data-commune-search]").forEach((input) => {
  const list = document.getElementById(input.getAttribute("list"));
  let timer;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const query = input.value.trim();
    if (query.length < 2 || /\(\d{5}\)$/.test(query)) return;
    timer = setTimeout(async () => {
      const response = await fetch(`${input.dataset.communeSearch}?q=${encodeURIComponent(query)}`);
      if (!response.ok) return;
      const { results } = await response.json();
      list.replaceChildren(...results.map((commune) => new Option(commune.label)));
    }, 250);
  });
});
