
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
  document.addEventListener('click', (ev) => {
    const a = ev.target.closest && ev.target.closest('a[href^="#src-"], a[href^="#t-"]');
    if (!a) return;
    ev.preventDefault();
    ev.stopPropagation();
    const id = decodeURIComponent(a.getAttribute('href').slice(1));
    const button = tab(id.startsWith('t-') ? 'Transcript' : 'Chat');
    if (button && button.getAttribute('aria-selected') !== 'true') button.click();
    show(id, 30);
  }, true);
}
