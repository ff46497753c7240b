"""The service layer: one typed function per use case, called by every front end.

Each use case takes plain typed arguments or a pydantic input model plus an explicit
`ServiceContext` (settings, the domain bundle, the store) and returns a pydantic output model
that the terminal renders with rich, the web renders with Jinja and the JSON API returns
unchanged. Problems a person can fix end as `kneechain.errors.KneechainError`.

    from kneechain.services.context import ServiceContext
    from kneechain.services import assessment, programs

    with ServiceContext.open() as ctx:
        result = assessment.assess_case(ctx, case)
        program = programs.build(ctx, programs.ProgramRequest(result=result))

Modules, one per group of use cases: `domain` (the domain bundle), `context`, `assessment`
(assess, record, compare), `programs` (build, handout, edit), `video` (analyse a clip, store it),
`people` (people, links, caseload), `sessions` (session logs, scores, re-measurements),
`progress` (history, change, re-tests due, charts), `exchange` (export, import, backup).
"""
