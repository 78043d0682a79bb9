"""The chart-img-kit client: a thin layer over the generated `chart_img_api`."""
