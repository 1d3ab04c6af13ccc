import {createDefaultEsmPreset} from 'ts-jest'

/** @type {import('jest').Config} */
export default {
  ...createDefaultEsmPreset({tsconfig: 'tsconfig.test.json'}),
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  moduleNameMapper: {'^(\\.{1,2}/.*)\\.js$': '$1'},
  setupFiles: ['<rootDir>/test/setup-console.ts'],
  setupFilesAfterEnv: ['<rootDir>/test/setup-after-env.ts'],
  // Real-root tests (debootstrap, apt, loop devices) run for minutes; unit tests stay fast.
  testTimeout: 30_000,
}
