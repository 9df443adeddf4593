import { CfnCondition, Fn, type IAspect, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { IConstruct } from 'constructs';

/**
 * Keeps the rules between security groups in the template but out of the deployment: each
 * standalone `AWS::EC2::SecurityGroupIngress`/`Egress` resource gets a condition that is false.
 * Only for an emulator that has no handler for those types and enforces no security groups
 * (MiniStack 1.5.33; ADR 0016). The constructs still write every rule, so the tests and the AWS
 * stages see the same rules; the template shows what the emulator skipped.
 */
export class OmitSecurityGroupRules implements IAspect {
  private readonly conditions = new Map<Stack, CfnCondition>();

  visit(node: IConstruct): void {
    if (!(node instanceof ec2.CfnSecurityGroupIngress || node instanceof ec2.CfnSecurityGroupEgress)) return;
    node.cfnOptions.condition = this.conditionOf(Stack.of(node));
  }

  private conditionOf(stack: Stack): CfnCondition {
    let condition = this.conditions.get(stack);
    if (!condition) {
      condition = new CfnCondition(stack, 'SecurityGroupRulesDeployed', {
        // A constant false: this stage's platform cannot create these resources.
        expression: Fn.conditionEquals('emulator', 'aws'),
      });
      Validations.of(stack).acknowledge({
        id: 'CloudFormation-Validate::W8003',
        reason: 'SecurityGroupRulesDeployed is false on purpose: the emulator cannot create security-group rules (ADR 0016)',
      });
      this.conditions.set(stack, condition);
    }
    return condition;
  }
}
