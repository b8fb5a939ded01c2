"""The browser layer: runs only in Pyodide. One module per panel binds that
panel's controls and Bokeh models; `app` composes them."""
