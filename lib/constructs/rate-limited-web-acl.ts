import { ArnFormat, Duration, Fn, Names, type RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

/** Where the web ACL can be attached: CloudFront (must live in us-east-1) or a regional resource. */
export type WebAclScope = 'CLOUDFRONT' | 'REGIONAL';

/** A stricter per-IP limit applied only to requests whose path matches. */
export interface PathRateLimit {
  /** Path as the protected resource sees it, matched as a prefix after lower-casing, e.g. `/api/auth/login`. */
  readonly pathPrefix: string;
  /** Requests one client IP may send to that path per evaluation window (WAF minimum: 10). */
  readonly requestsPerIp: number;
}

/** A header every request must carry, with one of the accepted values; requests without it are blocked (403). */
export interface RequiredHeader {
  /** Header name, e.g. `x-origin-verify`. */
  readonly name: string;
  /**
   * Accepted values (two during a rotation, one otherwise). Pass dynamic references
   * (`OriginSecret.acceptedValues`), never literals, so the template holds only `{{resolve:...}}`.
   */
  readonly values: readonly string[];
}

export interface RateLimitedWebAclProps {
  /** CLOUDFRONT (stack must be in us-east-1) or REGIONAL (API Gateway stage, ALB). */
  readonly scope: WebAclScope;
  /**
   * Requests one client IP may send per evaluation window to anything (WAF minimum: 10). Only where
   * the ACL sees the client's own address: behind CloudFront the source is an edge server, and
   * `X-Forwarded-For`'s first address is whatever the client wrote (CloudFront appends, it does not
   * replace), so a per-IP key there is trivially dodged; the CloudFront ACL limits per client.
   * @default - no per-IP limit
   */
  readonly requestsPerIp?: number;
  /**
   * Stricter limits on sensitive paths (login); need `requestsPerIp`.
   * @default - none
   */
  readonly pathRateLimits?: readonly PathRateLimit[];
  /**
   * Window over which WAF counts requests per IP: 60, 120, 300 or 600 seconds.
   * @default Duration.minutes(5)
   */
  readonly evaluationWindow?: Duration;
  /**
   * AWS managed rule groups evaluated after the rate rules, by name (vendor `AWS`).
   * @default common rule set, known bad inputs, Amazon IP reputation list
   */
  readonly managedRuleGroups?: readonly string[];
  /**
   * Block every request that does not carry this header and value (checked first).
   * @default - no header check
   */
  readonly requiredHeader?: RequiredHeader;
  /**
   * Log every request the ACL evaluates to a log group of its own, with the credentials a request
   * carries redacted (PCI DSS 10.2: who was let through or blocked, and by which rule).
   * @default - no request log (metrics and sampled requests only)
   */
  readonly logging?: WebAclLogging;
}

/** Retention and removal of a web ACL's request log. */
export interface WebAclLogging {
  readonly retention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/** Headers that carry credentials: never written to the request log. */
const REDACTED_HEADERS = ['authorization', 'cookie'];

/** Managed rule groups every ACL gets unless the caller chooses otherwise. */
export const DEFAULT_MANAGED_RULE_GROUPS: readonly string[] = [
  'AWSManagedRulesCommonRuleSet',
  'AWSManagedRulesKnownBadInputsRuleSet',
  'AWSManagedRulesAmazonIpReputationList',
];

/** Body of the 429 answer, in the services' error shape so clients parse one format. */
export const RATE_LIMITED_BODY = JSON.stringify({
  error: { code: 'RATE_LIMITED', message: 'Too many requests, retry later', details: [] },
});
const FORBIDDEN_BODY = JSON.stringify({
  error: { code: 'FORBIDDEN', message: 'Requests must come through the storefront', details: [] },
});
const RATE_LIMITED_KEY = 'rate-limited';
const FORBIDDEN_KEY = 'forbidden';
const ALLOWED_WINDOWS = [60, 120, 300, 600];
const WAF_MIN_RATE_LIMIT = 10;

/**
 * A WAFv2 web ACL that rate-limits per client IP (globally and, more strictly, on chosen paths),
 * answers over-limit clients with a JSON 429, and runs AWS managed rule groups.
 * The same construct serves CloudFront (us-east-1) and regional resources.
 */
export class RateLimitedWebAcl extends Construct {
  readonly webAcl: wafv2.CfnWebACL;
  /** ARN to hand to CloudFront (`webAclId`) or to `associate`. */
  readonly webAclArn: string;
  /** Generated name of the ACL (what the console and `aws wafv2` list). */
  readonly webAclName: string;
  /**
   * The ACL's visibility metric name: the `WebACL` dimension of its AWS/WAFV2 metrics. Unique per
   * stack, so two stages in one account do not share a metric.
   */
  readonly metricName: string;
  /** Metric names of the rules, in evaluation order: the `Rule` dimension of their metrics. */
  readonly ruleMetricNames: readonly string[];
  private readonly scope: WebAclScope;

  constructor(scope: Construct, id: string, props: RateLimitedWebAclProps) {
    super(scope, id);
    this.scope = props.scope;
    const region = Stack.of(this).region;
    if (props.scope === 'CLOUDFRONT' && !Token.isUnresolved(region) && region !== 'us-east-1') {
      throw new Error(`RateLimitedWebAcl: a CLOUDFRONT web ACL must be in us-east-1, this stack is in ${region}`);
    }
    this.metricName = Names.uniqueResourceName(this, { maxLength: 128, separator: '-' });
    const windowSec = (props.evaluationWindow ?? Duration.minutes(5)).toSeconds();
    if (!ALLOWED_WINDOWS.includes(windowSec)) {
      throw new Error(`RateLimitedWebAcl: evaluationWindow must be one of ${ALLOWED_WINDOWS.join(', ')} seconds, got ${windowSec}`);
    }
    if (props.requestsPerIp === undefined && (props.pathRateLimits ?? []).length > 0) {
      throw new Error('RateLimitedWebAcl: pathRateLimits need requestsPerIp (a per-IP key the ACL can trust)');
    }
    const limits =
      props.requestsPerIp === undefined ? [] : [props.requestsPerIp, ...(props.pathRateLimits ?? []).map((p) => p.requestsPerIp)];
    for (const limit of limits) {
      if (limit < WAF_MIN_RATE_LIMIT) {
        throw new Error(`RateLimitedWebAcl: rate limits must be at least ${WAF_MIN_RATE_LIMIT}, got ${limit}`);
      }
    }

    const ipKey = { aggregateKeyType: 'IP' };
    const rules: wafv2.CfnWebACL.RuleProperty[] = [];
    const visibility = (metricName: string) => ({
      cloudWatchMetricsEnabled: true,
      metricName,
      sampledRequestsEnabled: true,
    });

    if (props.requiredHeader) {
      const header = props.requiredHeader;
      if (header.values.length === 0) throw new Error('RateLimitedWebAcl: requiredHeader needs at least one accepted value');
      const matches: wafv2.CfnWebACL.StatementProperty[] = header.values.map((value) => ({
        byteMatchStatement: {
          fieldToMatch: { singleHeader: { Name: header.name.toLowerCase() } },
          positionalConstraint: 'EXACTLY',
          searchString: value,
          textTransformations: [{ priority: 0, type: 'NONE' }],
        },
      }));
      rules.push({
        name: 'RequireOriginHeader',
        priority: rules.length,
        action: { block: { customResponse: { responseCode: 403, customResponseBodyKey: FORBIDDEN_KEY } } },
        // During a rotation the previous value is accepted too (an OR needs two statements).
        statement: { notStatement: { statement: matches.length === 1 ? matches[0] : { orStatement: { statements: matches } } } },
        visibilityConfig: visibility('RequireOriginHeader'),
      });
    }

    // Path rules come before the global one so a login flood is answered by the stricter rule.
    (props.pathRateLimits ?? []).forEach((path, index) => {
      const name = `PathRateLimit${index}`;
      rules.push({
        name,
        priority: rules.length,
        action: { block: { customResponse: { responseCode: 429, customResponseBodyKey: RATE_LIMITED_KEY } } },
        statement: {
          rateBasedStatement: {
            ...ipKey,
            limit: path.requestsPerIp,
            evaluationWindowSec: windowSec,
            scopeDownStatement: {
              byteMatchStatement: {
                fieldToMatch: { uriPath: {} },
                positionalConstraint: 'STARTS_WITH',
                searchString: path.pathPrefix.toLowerCase(),
                // Decoding then lower-casing stops `/api/Auth/%6Cogin` from slipping past the rule.
                textTransformations: [
                  { priority: 0, type: 'URL_DECODE' },
                  { priority: 1, type: 'LOWERCASE' },
                ],
              },
            },
          },
        },
        visibilityConfig: visibility(name),
      });
    });

    if (props.requestsPerIp !== undefined) {
      rules.push({
        name: 'RateLimitPerIp',
        priority: rules.length,
        action: { block: { customResponse: { responseCode: 429, customResponseBodyKey: RATE_LIMITED_KEY } } },
        statement: { rateBasedStatement: { ...ipKey, limit: props.requestsPerIp, evaluationWindowSec: windowSec } },
        visibilityConfig: visibility('RateLimitPerIp'),
      });
    }

    for (const group of props.managedRuleGroups ?? DEFAULT_MANAGED_RULE_GROUPS) {
      rules.push({
        name: group,
        priority: rules.length,
        overrideAction: { none: {} },
        statement: { managedRuleGroupStatement: { vendorName: 'AWS', name: group } },
        visibilityConfig: visibility(group),
      });
    }

    this.webAcl = new wafv2.CfnWebACL(this, 'Resource', {
      scope: props.scope,
      defaultAction: { allow: {} },
      customResponseBodies: {
        [RATE_LIMITED_KEY]: { contentType: 'APPLICATION_JSON', content: RATE_LIMITED_BODY },
        [FORBIDDEN_KEY]: { contentType: 'APPLICATION_JSON', content: FORBIDDEN_BODY },
      },
      rules,
      visibilityConfig: visibility(this.metricName),
    });
    this.ruleMetricNames = rules.map((r) => (r.visibilityConfig as wafv2.CfnWebACL.VisibilityConfigProperty).metricName);
    this.webAclArn = this.webAcl.attrArn;
    // Ref of a web ACL is `name|id|scope`; the name is generated, so read it back from there.
    this.webAclName = Fn.select(0, Fn.split('|', this.webAcl.ref));
    if (props.logging) this.logRequests(props.logging, props.requiredHeader);
  }

  private logRequests(logging: WebAclLogging, requiredHeader: RequiredHeader | undefined): void {
    // A physical name because WAF only delivers to log groups named `aws-waf-logs-*`.
    const logGroupName = `aws-waf-logs-${this.metricName}`;
    const logGroup = new logs.LogGroup(this, 'RequestLog', {
      logGroupName,
      retention: logging.retention,
      removalPolicy: logging.removalPolicy,
    });
    const config = new wafv2.CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAcl.attrArn,
      // WAF wants the log group's ARN without the `:*` that `logGroupArn` ends in.
      logDestinationConfigs: [
        Stack.of(this).formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: logGroupName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
      // The origin header's value is the secret that proves a request came through CloudFront.
      redactedFields: [...REDACTED_HEADERS, ...(requiredHeader ? [requiredHeader.name.toLowerCase()] : [])].map((name) => ({
        singleHeader: { Name: name },
      })),
    });
    config.node.addDependency(logGroup);
  }

  /**
   * Requests this ACL blocked, by all its rules (`ALL`) or by one (a name of `ruleMetricNames`),
   * from the region WAF publishes them in (us-east-1 for CLOUDFRONT).
   */
  metricBlockedRequests(rule = 'ALL', options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.metric('BlockedRequests', rule, options);
  }

  /** Requests this ACL let through. */
  metricAllowedRequests(options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.metric('AllowedRequests', 'ALL', options);
  }

  private metric(metricName: string, rule: string, options: cloudwatch.MetricOptions): cloudwatch.Metric {
    const regional = this.scope === 'REGIONAL';
    const region = regional ? Stack.of(this).region : 'us-east-1';
    return new cloudwatch.Metric({
      namespace: 'AWS/WAFV2',
      metricName,
      // CLOUDFRONT ACLs publish without a Region dimension.
      dimensionsMap: { WebACL: this.metricName, Rule: rule, ...(regional ? { Region: region } : {}) },
      region,
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(5),
      ...options,
    });
  }

  /** Attaches this (REGIONAL) ACL to an API Gateway stage or ALB, by ARN. */
  associate(id: string, resourceArn: string): wafv2.CfnWebACLAssociation {
    if (this.scope !== 'REGIONAL') {
      throw new Error('RateLimitedWebAcl: a CLOUDFRONT web ACL is attached through the distribution, not associate()');
    }
    return new wafv2.CfnWebACLAssociation(this, id, { resourceArn, webAclArn: this.webAclArn });
  }
}
