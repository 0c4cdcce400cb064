//! SVG charts, drawn with plotters into strings. One module per chart family; `frame`
//! holds what they share.

use engine::output::RunOutput;

use crate::ReportError;

mod cost;
pub(crate) mod frame;
mod latency;
mod nodes;
pub(crate) mod overlay;
mod pending;
pub(crate) mod sweep;
mod timeline;
mod utilisation;

/// One rendered chart: `name` is the file stem (`<name>.svg`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    pub name: &'static str,
    /// A one-line caption for the HTML report.
    pub caption: &'static str,
    pub svg: String,
}

/// Every chart of a run, in the order the HTML report shows them.
pub fn render_charts(output: &RunOutput) -> Result<Vec<Chart>, ReportError> {
    type Render = fn(&RunOutput) -> Result<String, ReportError>;
    const CHARTS: [(&str, &str, Render); 7] = [
        (
            "nodes_by_provisioner",
            "Existing nodes, stacked by the controller that launched them.",
            nodes::by_provisioner,
        ),
        (
            "nodes_by_owner",
            "Existing nodes, stacked by NodePool or node group.",
            nodes::by_owner,
        ),
        (
            cost::NAME,
            "Sum of the hourly prices of existing nodes; grey lines mark the scenario's timeline steps.",
            cost::render,
        ),
        (
            utilisation::NAME,
            "Requests of bound pods over allocatable of ready nodes.",
            utilisation::render,
        ),
        (pending::NAME, "Pods waiting for a node.", pending::render),
        (
            latency::NAME,
            "From the first pod a node was launched for becoming pending to the node being ready.",
            latency::render,
        ),
        (
            timeline::NAME,
            "Each node from launch to termination or the end of the run.",
            timeline::render,
        ),
    ];
    CHARTS
        .iter()
        .map(|(name, caption, render)| {
            Ok(Chart {
                name,
                caption,
                svg: render(output)?,
            })
        })
        .collect()
}
