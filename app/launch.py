"""Start Streamlit so that app/streamlit_app.py (the router) always runs first.

Streamlit still supports the old multipage layout: when the entry script has a `pages/` folder
beside it, the first visit after a server start to a deep link such as `/evaluate?run=ID` runs
`pages/evaluate.py` on its own, without our router, sidebar or page titles, until some session
has called `st.navigation`. A refreshed tab after a server restart hit exactly that. Setting the
flag Streamlit uses for that detection before the server starts keeps the router in charge.
Usage (what `lepton app` runs): python app/launch.py run app/streamlit_app.py [streamlit options]
"""

import sys

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web.cli import main

PagesManager.uses_pages_directory = False

if __name__ == "__main__":
    sys.exit(main())
