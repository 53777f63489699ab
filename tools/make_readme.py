"""Write README.md from nbs/index.ipynb.

nbdev's own `nbdev-readme` renders through Quarto, which cannot be installed on machines without internet;
this keeps the same contract (the README is generated from index.ipynb, never edited by hand) with no Quarto:
markdown cells are copied, code cells become ```python blocks, cells marked `#| hide` are left out."""
from pathlib import Path
import nbformat

root = Path(__file__).resolve().parents[1]
nb = nbformat.read(root/'nbs'/'index.ipynb', as_version=4)
parts = ['<!-- generated from nbs/index.ipynb by tools/make_readme.py: edit the notebook, not this file -->']
for c in nb.cells:
    src = c.source.strip()
    if not src or '#| hide' in src.splitlines()[0]: continue
    if c.cell_type == 'markdown': parts.append(src)
    elif c.cell_type == 'code':
        code = '\n'.join(l for l in src.splitlines() if not l.startswith('#|')).strip()
        if code: parts.append(f'```python\n{code}\n```')
(root/'README.md').write_text('\n\n'.join(parts) + '\n')
