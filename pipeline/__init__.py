"""武进区安全生产技术服务机构备案材料处理流水线 (the Wujin filing pipeline).

Stages, each a module with a small public function: `extract` (read →
classify → fields), `validate`, and `flow.build_record` that chains them.
"""

__version__ = "0.1.0"
