import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';

/** The `## headings` of docs/runbook.md: the anchors an alarm's runbook link may point at. */
export const RUNBOOK_ANCHORS: readonly string[] = fs
  .readFileSync(path.join(__dirname, '..', '..', '..', 'docs', 'runbook.md'), 'utf8')
  .split('\n')
  .filter((line) => line.startsWith('## '))
  .map((line) => line.slice(3).trim());

export interface DashboardWidget {
  type: string;
  x: number;
  y: number;
  properties: { markdown?: string; title?: string; region?: string; metrics?: unknown[][] };
}

/** One row of the dashboard: a `#` header and the widgets under it, in layout order. */
export interface DashboardRow {
  header: string;
  widgets: DashboardWidget[];
}

/** Stands in for every token of a dashboard body (they only occur inside JSON strings). */
export const TOKEN = '<token>';

/**
 * The body of a dashboard (an `Fn::Join` of strings and tokens), parsed, its widgets in layout
 * order and grouped under the large (`# `) headers.
 */
export function dashboardRows(template: Template, dashboardName: string): DashboardRow[] {
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard', { Properties: { DashboardName: dashboardName } }));
  if (dashboards.length !== 1) throw new Error(`expected one dashboard named ${dashboardName}, found ${dashboards.length}`);
  const body = dashboards[0].Properties.DashboardBody as string | { 'Fn::Join': [string, unknown[]] };
  const text = typeof body === 'string' ? body : body['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : TOKEN)).join('');
  const widgets = (JSON.parse(text).widgets as DashboardWidget[]).slice().sort((a, b) => a.y - b.y || a.x - b.x);
  const rows: DashboardRow[] = [];
  for (const w of widgets) {
    const markdown = w.type === 'text' ? (w.properties.markdown ?? '') : '';
    if (markdown.startsWith('# ')) rows.push({ header: markdown.slice(2), widgets: [] });
    else if (rows.length === 0) throw new Error(`widget before the first header: ${JSON.stringify(w).slice(0, 200)}`);
    else rows[rows.length - 1].widgets.push(w);
  }
  return rows;
}

/** A graphed metric: `[namespace, name, ...dimension pairs, options]`, expressions left out. */
export interface GraphedMetric {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  options: { region?: string; label?: string; stat?: string };
}

export function graphedMetrics(widgets: DashboardWidget[]): GraphedMetric[] {
  return widgets
    .flatMap((w) => (w.type === 'metric' ? (w.properties.metrics ?? []) : []))
    .filter((m) => typeof m[0] === 'string')
    .map((m) => {
      const last = m[m.length - 1];
      const hasOptions = typeof last === 'object' && last !== null;
      const pairs = m.slice(2, hasOptions ? -1 : undefined) as string[];
      const dimensions: Record<string, string> = {};
      for (let i = 0; i < pairs.length; i += 2) dimensions[pairs[i]] = pairs[i + 1];
      return {
        namespace: m[0] as string,
        metricName: m[1] as string,
        dimensions,
        options: (hasOptions ? last : {}) as GraphedMetric['options'],
      };
    });
}

/** What an alarm watches, whether written as a metric-math alarm (`Metrics`) or a plain one. */
export interface AlarmedMetric {
  logicalId: string;
  alarmName?: string;
  namespace: string;
  metricName: string;
  /** Dimension values as written in the template (tokens stay CloudFormation intrinsics). */
  dimensions: Record<string, unknown>;
  threshold: number;
  comparison: string;
  treatMissingData?: string;
  description: string;
  alarmActions: unknown[];
}

export function alarms(template: Template): AlarmedMetric[] {
  return Object.entries(template.findResources('AWS::CloudWatch::Alarm')).map(([logicalId, r]) => {
    const p = r.Properties;
    const stat = p.Metrics
      ? (p.Metrics as { MetricStat?: { Metric: Record<string, unknown> } }[]).find((m) => m.MetricStat)?.MetricStat?.Metric
      : p;
    if (!stat) throw new Error(`${logicalId}: no metric`);
    const dimensions = Object.fromEntries(((stat.Dimensions ?? []) as { Name: string; Value: unknown }[]).map((d) => [d.Name, d.Value]));
    return {
      logicalId,
      alarmName: p.AlarmName,
      namespace: stat.Namespace as string,
      metricName: stat.MetricName as string,
      dimensions,
      threshold: p.Threshold,
      comparison: p.ComparisonOperator,
      treatMissingData: p.TreatMissingData,
      description: p.AlarmDescription ?? '',
      alarmActions: p.AlarmActions ?? [],
    };
  });
}

/** The runbook anchor an alarm description links to (`...runbook.md#<anchor>`). */
export function runbookAnchor(description: string): string | undefined {
  return /docs\/runbook\.md#([\w-]+)/.exec(description)?.[1];
}
