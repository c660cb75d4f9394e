/**
 * The parts of Chart.js the dashboard uses, registered once. Pages load this module with a dynamic import
 * (components/CostChart.svelte), so Chart.js is fetched only where a chart is shown and stays out of the initial JS.
 */
import { cssToken } from "./css-token";
import { BarController, BarElement, CategoryScale, Chart, Filler, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from "chart.js";

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Tooltip, Legend, Filler);
Chart.defaults.font.family = cssToken("--font-sans") || "system-ui, sans-serif";
Chart.defaults.font.size = 12;
Chart.defaults.color = cssToken("--text-muted");

export { Chart };
