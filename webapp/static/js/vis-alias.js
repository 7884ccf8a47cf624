// vis-network and vis-timeline both define window.vis: keep vis-network's under its own name
// before vis-timeline loads.
window.kgVisNetwork = window.vis;
