import { apexTestClassName } from '../testClasses';

describe('apexTestClassName (the classes --check-only runs with RunSpecifiedTests)', () => {
  it('finds a class annotated @IsTest in any case, with arguments, with @IsTest or testMethod methods', () => {
    expect(apexTestClassName('@IsTest\nprivate class GtmPolicyTest {\n  @IsTest static void reads() {}\n}')).toBe(
      'GtmPolicyTest'
    );
    expect(
      apexTestClassName(
        '/** doc */\n@isTest(SeeAllData=false)\npublic with sharing class OldStyle { static testMethod void t() {} }'
      )
    ).toBe('OldStyle');
    expect(apexTestClassName('@ISTEST private class Upper { @istest static void t() {} }')).toBe('Upper');
  });

  it('skips data factories (class-level @IsTest, no test methods), ordinary classes and mentions in comments or strings', () => {
    expect(apexTestClassName('@IsTest public class Factory { public static Account make() { return null; } }')).toBe(
      undefined
    );
    expect(apexTestClassName('public class Service { @IsTest static void notATestClass() {} }')).toBe(undefined);
    expect(apexTestClassName("// @IsTest\npublic class Commented { String s = '@IsTest'; }")).toBe(undefined);
    expect(apexTestClassName('@IsTest public interface Nope { void x(); }')).toBe(undefined);
  });
});
