// Lint: the dependency direction of the architecture is enforced here, not by convention.
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/** Packages a pure library (contracts, features-core, ml) must never import. */
export const INFRASTRUCTURE_PACKAGES = [
  '@nestjs/*',
  'kafkajs',
  '@prisma/*',
  'bullmq',
  'ioredis',
  'pg',
  'fastify',
  'redis',
];

const ALL_LIBS = ['type:contract', 'type:data-access', 'type:domain', 'type:util'];

export const depConstraints = [
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ALL_LIBS },
  { sourceTag: 'type:data-access', onlyDependOnLibsWithTags: ALL_LIBS },
  { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util', 'type:contract'] },
  { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:domain', 'type:contract'] },
  { sourceTag: 'type:contract', onlyDependOnLibsWithTags: ['type:contract'] },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: [...ALL_LIBS, 'type:testing'] },
  // contracts and features-core depend on nothing of ours.
  { sourceTag: 'deps:none', onlyDependOnLibsWithTags: ['deps:none-allowed'] },
  {
    sourceTag: 'runtime:pure',
    onlyDependOnLibsWithTags: ['runtime:pure'],
    bannedExternalImports: INFRASTRUCTURE_PACKAGES,
  },
];

const boundaries = (constraints) => [
  'error',
  { enforceBuildableLibDependency: false, allowCircularSelfDependency: false, depConstraints: constraints },
];

export default [
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      'libs/db/src/generated/**',
      '.nx/**',
      '.run/**',
      'coverage/**',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@nx/enforce-module-boundaries': boundaries(depConstraints),
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@shelfcast/*/**'],
              message: "Import a library through its public API ('@shelfcast/<lib>'), not its files.",
            },
          ],
        },
      ],
    },
  },
  {
    // Tests may also use the testing library.
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@nx/enforce-module-boundaries': boundaries(
        depConstraints.map((c) =>
          c.sourceTag.startsWith('type:')
            ? { ...c, onlyDependOnLibsWithTags: [...c.onlyDependOnLibsWithTags, 'type:testing'] }
            : c,
        ),
      ),
    },
  },
  prettier,
];
