
() => {
  if (window.__ragLinks) return;
  window.__ragLinks = true;
  const tab = (prefix) => [...document.querySelectorAll('button[role="tab"]')]
    .find((b) => b.textContent.trim().startsWith(prefix));
  const show = (id, tries) => {
    const el = document.getElementById(id);
    if (!el) { if (tries > 0) setTimeout(() => show(id, tries - 1), 100); return; }
    for (let p = el; p; p = p.parentElement) { if (p.tagName === 'DETAILS') p.open = true; }
    el.hidden = false;
    // a tab that is being switched to lays its content out a moment later
    if (!el.getClientRects().length && tries > 0) { setTimeout(() => show(id, tries - 1), 100); return; }
    document.querySelectorAll('.targeted').forEach((t) => t.classList.remove('targeted'));
    el.classList.add('targeted');
    // a source card moves as little as it must; a transcript paragraph comes to the middle
    el.scrollIntoView({ block: id.startsWith('t-') ? 'center' : 'nearest', behavior: 'smooth' });
  };
  // The transcript tab shows one document at a time: a link into another one chooses it
  // first (the server then renders it, and `show` waits for the paragraph to appear).
  const choose = (doc, tries) => {
    const radios = [...document.querySelectorAll('#transcript-doc input[type="radio"]')];
    if (!radios.length) { if (tries > 0) setTimeout(() => choose(doc, tries - 1), 100); return; }
    const input = radios.find((r) => r.value === doc);
    if (input && !input.checked) input.click();
  };
  document.addEventListener('click', (ev) => {
    const a = ev.target.closest && ev.target.closest('a[href^="#src-"], a[href^="#t-"]');
    if (!a) return;
    ev.preventDefault();
    ev.stopPropagation();
    const id = decodeURIComponent(a.getAttribute('href').slice(1));
    const button = tab(id.startsWith('t-') ? 'Transcript' : 'Chat');
    if (button && button.getAttribute('aria-selected') !== 'true') button.click();
    if (a.dataset.doc) choose(a.dataset.doc, 10);
    show(id, 50);
  }, true);
}
