"""The pages (plain HTML, CSS and JavaScript modules), shipped inside the package as data."""
