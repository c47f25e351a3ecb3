"""The review workbench in the browser: the Streamlit app (app) over pure HTML pieces (components)."""

# The largest file a reviewer may upload, in MB: the server refuses a bigger request body before
# reading it (`python -m workbench ui` passes it as --server.maxUploadSize) and the upload form
# says so; kept here, where the command line reads it without importing Streamlit.
MAX_UPLOAD_MB = 5
