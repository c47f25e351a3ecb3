"""The review workbench in the browser: the Streamlit app (app) over pure HTML pieces (components)."""
